#pragma once
// A self-contained SVG line chart (no scripts, no network): what --plot
// writes. Axes are linear or log10; every series is a polyline with a legend.

#include <string>
#include <utility>
#include <vector>

namespace rmq::bench {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y)
};

struct Chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  std::vector<Series> series;
};

std::string RenderSvg(const Chart& chart);

}  // namespace rmq::bench
