// A tiny header-only SVG line-plot writer for the examples' loss curves: named series of (x, y),
// axes with "nice" ticks, a legend, optional log-y and an optional horizontal reference line.
//
//   tapegrad::examples::SvgPlot plot;
//   plot.title = "test MSE";  plot.x_label = "step";  plot.log_y = true;
//   plot.reference_y = 0.167;  plot.reference_label = "baseline";
//   plot.add("lstm", steps, mse);
//   plot.write("out/adding_problem.svg");  // temp file + rename: readers never see half a file
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tapegrad::examples {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::string dash;  // SVG stroke-dasharray, empty for a solid line
};

namespace detail {

inline std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// Ticks at 1, 2 or 5 times a power of ten, about `target` of them over [low, high].
inline std::vector<double> nice_ticks(double low, double high, int target = 6) {
  const double span = high - low;
  const double raw = span / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (span / step <= target) break;
  }
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step - 1e-9) * step; tick <= high + step * 1e-9; tick += step)
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  return ticks;
}

}  // namespace detail

struct SvgPlot {
  std::string title, x_label, y_label;
  bool log_y = false;                 // points with y <= 0 are skipped on a log axis
  std::optional<double> reference_y;  // a dashed horizontal line, e.g. a baseline
  std::string reference_label;
  int width = 800, height = 500;
  std::vector<PlotSeries> series;

  PlotSeries& add(std::string name, std::vector<double> x, std::vector<double> y,
                  std::string dash = "") {
    if (x.size() != y.size())
      throw std::invalid_argument("SvgPlot::add: series '" + name + "' has " +
                                  std::to_string(x.size()) + " x values but " +
                                  std::to_string(y.size()) + " y values");
    series.push_back({std::move(name), std::move(x), std::move(y), std::move(dash)});
    return series.back();
  }

  std::string to_svg() const {
    static const char* const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    std::size_t longest = reference_label.empty() ? 9 : reference_label.size();
    for (const PlotSeries& s : series) longest = std::max(longest, s.name.size());
    const double left = 80, right = 50 + 7.0 * double(longest), top = 40, bottom = 60;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    auto usable = [&](double y) { return std::isfinite(y) && (!log_y || y > 0); };
    auto transform_y = [&](double y) { return log_y ? std::log10(y) : y; };

    // Data range, including the reference line so it is always visible.
    double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
    double y_min = x_min, y_max = -x_min;
    for (const PlotSeries& s : series)
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !usable(s.y[i])) continue;
        x_min = std::min(x_min, s.x[i]), x_max = std::max(x_max, s.x[i]);
        y_min = std::min(y_min, transform_y(s.y[i])), y_max = std::max(y_max, transform_y(s.y[i]));
      }
    if (reference_y && usable(*reference_y)) {
      y_min = std::min(y_min, transform_y(*reference_y));
      y_max = std::max(y_max, transform_y(*reference_y));
    }
    if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
    if (!std::isfinite(y_min)) y_min = 0, y_max = 1;
    if (x_max - x_min <= 0) x_min -= 0.5, x_max += 0.5;
    if (y_max - y_min <= 0) y_min -= 0.5, y_max += 0.5;
    {
      const double pad = 0.05 * (y_max - y_min);  // in log10 units on a log axis
      y_min -= pad, y_max += pad;
    }
    auto px = [&](double x) { return left + (x - x_min) / (x_max - x_min) * plot_w; };
    auto py = [&](double ty) { return top + (y_max - ty) / (y_max - y_min) * plot_h; };

    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" viewBox=\"0 0 " << width << ' ' << height
        << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg << "<text x=\"" << left + plot_w / 2 << "\" y=\"24\" text-anchor=\"middle\" "
        << "font-size=\"16\">" << detail::xml_escape(title) << "</text>\n";

    // Grid and ticks.
    for (double tick : detail::nice_ticks(x_min, x_max)) {
      const double x = px(tick);
      svg << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\""
          << top + plot_h << "\" stroke=\"#e0e0e0\"/>\n"
          << "<text x=\"" << x << "\" y=\"" << top + plot_h + 16 << "\" text-anchor=\"middle\">"
          << detail::format_number(tick) << "</text>\n";
    }
    std::vector<double> y_ticks;
    if (log_y) {
      // 1, 2 and 5 times each power of ten over a short range; whole decades over a long one.
      const double decades = y_max - y_min;
      const int stride = std::max(1, int(std::ceil(decades / 8)));
      for (int d = int(std::floor(y_min)); d <= int(std::ceil(y_max)); d += stride)
        for (double m : decades <= 3 ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
          const double tick = d + std::log10(m);
          if (tick >= y_min && tick <= y_max) y_ticks.push_back(tick);
        }
      if (y_ticks.size() < 2) {  // a short range: evenly spaced values, placed on the log axis
        y_ticks.clear();
        for (double value : detail::nice_ticks(std::pow(10.0, y_min), std::pow(10.0, y_max), 4))
          if (value > 0) y_ticks.push_back(std::log10(value));
      }
    } else {
      y_ticks = detail::nice_ticks(y_min, y_max);
    }
    for (double tick : y_ticks) {
      const double y = py(tick);
      svg << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\""
          << y << "\" stroke=\"#e0e0e0\"/>\n"
          << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
          << detail::format_number(log_y ? std::pow(10.0, tick) : tick) << "</text>\n";
    }
    svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\""
        << plot_h << "\" fill=\"none\" stroke=\"black\"/>\n";
    svg << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 18
        << "\" text-anchor=\"middle\">" << detail::xml_escape(x_label) << "</text>\n";
    svg << "<text transform=\"translate(18," << top + plot_h / 2
        << ") rotate(-90)\" text-anchor=\"middle\">"
        << detail::xml_escape(y_label + (log_y ? " (log scale)" : "")) << "</text>\n";

    // Clip the curves to the plot area so an outlier cannot draw over the labels.
    svg << "<clipPath id=\"plot-area\"><rect x=\"" << left << "\" y=\"" << top << "\" width=\""
        << plot_w << "\" height=\"" << plot_h << "\"/></clipPath>\n";
    svg << "<g clip-path=\"url(#plot-area)\">\n";
    if (reference_y && usable(*reference_y)) {
      const double y = py(transform_y(*reference_y));
      svg << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\""
          << y << "\" stroke=\"#555\" stroke-width=\"1.5\" "
          << "stroke-dasharray=\"6,4\"/>\n";
    }
    for (std::size_t k = 0; k < series.size(); ++k) {
      const PlotSeries& s = series[k];
      std::ostringstream points;
      std::size_t count = 0;
      double first_x = 0, first_y = 0;
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !usable(s.y[i])) continue;
        if (count++ == 0) first_x = px(s.x[i]), first_y = py(transform_y(s.y[i]));
        points << px(s.x[i]) << ',' << py(transform_y(s.y[i])) << ' ';
      }
      const char* color = colors[k % (sizeof colors / sizeof *colors)];
      if (count == 1) {
        svg << "<circle r=\"3\" fill=\"" << color << "\" cx=\"" << first_x << "\" cy=\"" << first_y
            << "\"/>\n";
      } else if (count > 1) {
        svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.8\" ";
        if (!s.dash.empty()) svg << "stroke-dasharray=\"" << s.dash << "\" ";
        svg << "points=\"" << points.str() << "\"/>\n";
      }
    }
    svg << "</g>\n";

    // Legend to the right of the plot.
    double legend_y = top + 10;
    const double legend_x = left + plot_w + 14;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const char* color = colors[k % (sizeof colors / sizeof *colors)];
      svg << "<line x1=\"" << legend_x << "\" y1=\"" << legend_y << "\" x2=\"" << legend_x + 24
          << "\" y2=\"" << legend_y << "\" stroke=\"" << color << "\" stroke-width=\"2.5\"";
      if (!series[k].dash.empty()) svg << " stroke-dasharray=\"" << series[k].dash << "\"";
      svg << "/>\n<text x=\"" << legend_x + 30 << "\" y=\"" << legend_y + 4 << "\">"
          << detail::xml_escape(series[k].name) << "</text>\n";
      legend_y += 20;
    }
    if (reference_y) {
      svg << "<line x1=\"" << legend_x << "\" y1=\"" << legend_y << "\" x2=\"" << legend_x + 24
          << "\" y2=\"" << legend_y << "\" stroke=\"#555\" stroke-width=\"1.5\" "
          << "stroke-dasharray=\"6,4\"/>\n<text x=\"" << legend_x + 30 << "\" y=\"" << legend_y + 4
          << "\">" << detail::xml_escape(reference_label.empty() ? "reference" : reference_label)
          << "</text>\n";
    }
    svg << "</svg>\n";
    return svg.str();
  }

  // Writes to `path` through a temporary file in the same directory and a rename, so a reader
  // (or a run killed mid-write) never sees a truncated picture. Creates missing directories.
  void write(const std::filesystem::path& path) const {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error("SvgPlot::write: cannot open " + temporary.string());
      out << to_svg();
      out.flush();
      if (!out) throw std::runtime_error("SvgPlot::write: cannot write " + temporary.string());
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
      std::filesystem::remove(temporary, error);
      throw std::runtime_error("SvgPlot::write: cannot rename to " + path.string());
    }
  }
};

}  // namespace tapegrad::examples
