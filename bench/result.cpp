#include "bench/result.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace pcn::bench {
namespace {

std::string format_spread(const spread& s) {
  return format_number(s.median) + " [" + format_number(s.min) + ", " + format_number(s.max) + "]";
}

boost::json::array to_array(const spread& s) { return {s.min, s.max}; }

void write_json(std::string& out, const boost::json::value& v, int depth) {
  // Top-level object and its arrays span lines; anything deeper stays on one line.
  bool multiline = depth < 2;
  std::string indent(static_cast<size_t>(depth + 1) * 2, ' ');
  std::string close_indent(static_cast<size_t>(depth) * 2, ' ');
  switch (v.kind()) {
    case boost::json::kind::double_: {
      double d = v.get_double();
      out += std::isfinite(d) ? fmt::format("{}", d) : "null";
      return;
    }
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, value] : o) {
        out += first ? "" : ",";
        out += multiline ? "\n" + indent : (first ? "" : " ");
        out += boost::json::serialize(boost::json::string_view(key)) + ": ";
        write_json(out, value, depth + 1);
        first = false;
      }
      out += multiline ? "\n" + close_indent + "}" : "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& value : a) {
        out += first ? "" : ",";
        out += multiline ? "\n" + indent : (first ? "" : " ");
        write_json(out, value, depth + 1);
        first = false;
      }
      out += multiline ? "\n" + close_indent + "]" : "]";
      return;
    }
    default: out += boost::json::serialize(v);
  }
}

}  // namespace

spread summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("summarize: no samples");
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return {median, samples.front(), samples.back()};
}

std::optional<double> ratio(const figure& f) {
  if (f.baseline.empty() || f.baseline_samples.empty() || f.samples.empty()) return std::nullopt;
  double value = summarize(f.samples).median, base = summarize(f.baseline_samples).median;
  double r = f.direction == better::higher ? value / base : base / value;
  if (!std::isfinite(r)) return std::nullopt;
  return r;
}

boost::json::value to_json(const suite_result& r) {
  boost::json::array results;
  for (const auto& f : r.figures) {
    spread s = summarize(f.samples);
    boost::json::object o{{"name", f.name}, {"unit", f.unit}, {"value", s.median}, {"spread", to_array(s)}};
    if (auto q = ratio(f)) {
      spread b = summarize(f.baseline_samples);
      o["baseline"] = f.baseline;
      o["baseline_value"] = b.median;
      o["baseline_spread"] = to_array(b);
      o["ratio"] = std::round(*q * 1000) / 1000;
    } else {
      o["baseline"] = nullptr;
      o["baseline_value"] = nullptr;
      o["ratio"] = nullptr;
    }
    results.push_back(std::move(o));
  }
  boost::json::object doc{{"suite", r.suite}, {"kernel", kernel_release()}, {"cpus", cpu_count()}, {"rounds", r.rounds}};
  doc["results"] = std::move(results);
  if (!r.notes.empty()) {
    boost::json::array notes;
    for (const auto& n : r.notes) notes.emplace_back(n);
    doc["notes"] = std::move(notes);
  }
  return doc;
}

std::string format_json(const boost::json::value& v) {
  std::string out;
  write_json(out, v, 0);
  out += '\n';
  return out;
}

std::string format_number(double v) {
  double a = std::fabs(v);
  if (!std::isfinite(v)) return "-";
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

std::string format_table(const suite_result& r) {
  std::vector<std::array<std::string, 4>> rows{{"figure", "value [min, max]", "baseline, same rounds", "ratio"}};
  for (const auto& f : r.figures) {
    std::string value = format_spread(summarize(f.samples)) + " " + f.unit;
    std::string base = "-", q = "-";
    if (auto rq = ratio(f)) {
      base = f.baseline + ": " + format_spread(summarize(f.baseline_samples));
      q = fmt::format("{:.3f}", *rq);
    }
    rows.push_back({f.name, value, base, q});
  }
  std::array<size_t, 4> width{};
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out = fmt::format("{}: kernel {}, {} CPUs, median of {} rounds [min, max]; ratio > 1 is better than the baseline\n",
                                r.suite, kernel_release(), cpu_count(), r.rounds);
  for (const auto& row : rows)
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>{}}\n", row[0], width[0], row[1], width[1], row[2], width[2], row[3], width[3]);
  for (const auto& n : r.notes) out += "  * " + n + "\n";
  return out;
}

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

unsigned cpu_count() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

}  // namespace pcn::bench
