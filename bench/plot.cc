#include "plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rmq::bench {
namespace {

constexpr double kWidth = 800, kHeight = 480;
constexpr double kLeft = 80, kRight = 180, kTop = 40, kBottom = 60;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c",
                                   "#ff7f0e", "#9467bd", "#8c564b"};

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Axis {
  double lo, hi;
  bool log;
  double Map(double v, double from, double to) const {
    const double a = log ? std::log10(std::max(v, 1e-12)) : v;
    const double l = log ? std::log10(lo) : lo;
    const double h = log ? std::log10(hi) : hi;
    return from + (to - from) * (h == l ? 0.5 : (a - l) / (h - l));
  }
  std::vector<double> Ticks() const {
    std::vector<double> ticks;
    if (log) {
      for (double t = std::pow(10, std::floor(std::log10(lo)));
           t <= hi * 1.0001; t *= 10) {
        if (t >= lo * 0.9999) ticks.push_back(t);
      }
    } else {
      for (int i = 0; i <= 5; ++i) ticks.push_back(lo + (hi - lo) * i / 5);
    }
    return ticks;
  }
};

std::string Label(double v) {
  if (std::fabs(v) >= 1e6) return absl::StrFormat("%.3gM", v / 1e6);
  if (std::fabs(v) >= 1e3) return absl::StrFormat("%.3gk", v / 1e3);
  return absl::StrFormat("%.3g", v);
}

Axis MakeAxis(const Chart& chart, bool x) {
  double lo = std::numeric_limits<double>::max(), hi = -lo;
  for (const Series& s : chart.series) {
    for (const auto& [px, py] : s.points) {
      const double v = x ? px : py;
      if ((x ? chart.log_x : chart.log_y) && v <= 0) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) lo = 0, hi = 1;
  const bool log = x ? chart.log_x : chart.log_y;
  if (!log && !x) lo = std::min(lo, 0.0);  // linear y starts at zero
  if (hi == lo) hi = lo + 1;
  return Axis{lo, hi, log};
}

}  // namespace

std::string RenderSvg(const Chart& chart) {
  const Axis xa = MakeAxis(chart, true);
  const Axis ya = MakeAxis(chart, false);
  const double x0 = kLeft, x1 = kWidth - kRight;
  const double y0 = kHeight - kBottom, y1 = kTop;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%g\" y=\"24\" font-size=\"15\">%s</text>\n",
      kWidth, kHeight, kLeft, Escape(chart.title));
  absl::StrAppendFormat(&svg,
                        "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                        "stroke=\"black\"/>\n<line x1=\"%g\" y1=\"%g\" "
                        "x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n",
                        x0, y0, x1, y0, x0, y0, x0, y1);
  for (double t : xa.Ticks()) {
    const double x = xa.Map(t, x0, x1);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" "
                          "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%g\" "
                          "text-anchor=\"middle\">%s</text>\n",
                          x, y0, x, y1, x, y0 + 16, Label(t));
  }
  for (double t : ya.Ticks()) {
    const double y = ya.Map(t, y0, y1);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" "
                          "stroke=\"#ddd\"/><text x=\"%g\" y=\"%.1f\" "
                          "text-anchor=\"end\">%s</text>\n",
                          x0, y, x1, y, x0 - 6, y + 4, Label(t));
  }
  absl::StrAppendFormat(
      &svg,
      "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n"
      "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 16 %g)\">%s</text>\n",
      (x0 + x1) / 2, kHeight - 16, Escape(chart.x_label), (y0 + y1) / 2,
      (y0 + y1) / 2, Escape(chart.y_label));
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const char* color = kColors[i % std::size(kColors)];
    std::string points;
    for (const auto& [px, py] : s.points) {
      if ((chart.log_x && px <= 0) || (chart.log_y && py <= 0)) continue;
      absl::StrAppendFormat(&points, "%.1f,%.1f ", xa.Map(px, x0, x1),
                            ya.Map(py, y0, y1));
    }
    absl::StrAppendFormat(
        &svg,
        "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
        "points=\"%s\"/>\n<rect x=\"%g\" y=\"%g\" width=\"12\" height=\"3\" "
        "fill=\"%s\"/><text x=\"%g\" y=\"%g\">%s</text>\n",
        color, points, x1 + 16, y1 + 20 * i + 6, color, x1 + 34,
        y1 + 20 * i + 10, Escape(s.name));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace rmq::bench
