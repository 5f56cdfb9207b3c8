#include "cli/output.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>

#include <fmt/format.h>

#include "cli/yaml_json.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

bool is_scalar(const json::value& v) { return !v.is_object() && !v.is_array(); }
bool is_leaf_list(const json::value& v) {
  return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(), is_scalar) && !v.get_array().empty();
}
// What prints as one value: scalars, and lists of scalars (comma-separated).
bool is_value(const json::value& v) { return is_scalar(v) || is_leaf_list(v); }

std::string value_text(const json::value& v) {
  if (is_scalar(v)) return scalar_text(v);
  std::string out;
  for (const auto& item : v.get_array()) out += (out.empty() ? "" : ", ") + scalar_text(item);
  return out;
}

std::string items(const json::array& a) { return fmt::format("[{} item{}]", a.size(), a.size() == 1 ? "" : "s"); }

class readable {
 public:
  readable(int depth, const std::vector<std::string>& hide) : _depth(depth), _hide(hide) {}

  std::string text(const json::value& v) {
    print(v, 0, "");
    return std::move(_out);
  }

 private:
  bool hidden(const std::string& path) const { return std::find(_hide.begin(), _hide.end(), path) != _hide.end(); }

  void line(size_t indent, const std::string& text) {
    _out.append(indent, ' ');
    _out += text;
    _out += '\n';
  }

  void print(const json::value& v, size_t indent, const std::string& path) {
    if (is_value(v)) return line(indent, value_text(v));
    if (v.is_array()) return table(v.get_array(), indent, path);
    const json::object& o = v.get_object();
    // Leaves first, then containers, then lists: what the object is, then what it holds.
    for (const auto& [k, child] : o)
      if (is_value(child) && !hidden(path + std::string(k))) line(indent, std::string(k) + ": " + value_text(child));
    for (const auto& [k, child] : o)
      if (child.is_object() && !hidden(path + std::string(k))) {
        line(indent, std::string(k) + ":");
        print(child, indent + 1, path + std::string(k) + ".");
      }
    for (const auto& [k, child] : o) {
      if (!child.is_array() || is_value(child) || hidden(path + std::string(k)) || k == "_links") continue;
      if (_depth <= 1) {
        line(indent, std::string(k) + ": " + items(child.get_array()));
        continue;
      }
      if (!_out.empty()) _out += '\n';  // a table stands apart from what precedes it
      if (child.get_array().empty()) {
        line(indent, std::string(k) + ": " + items(child.get_array()));
      } else {
        line(indent, std::string(k) + ":");
        table(child.get_array(), indent + 1, path + std::string(k) + ".");
      }
    }
  }

  // The columns of one list entry: each column's cells, one per row the entry spans.
  struct cells {
    std::vector<std::pair<std::string, std::vector<std::string>>> columns;

    std::vector<std::string>& column(const std::string& name) {
      for (auto& [n, c] : columns)
        if (n == name) return c;
      return columns.emplace_back(name, std::vector<std::string>{}).second;
    }
  };

  // `depth` is what is left for lists inside the entry. `path` is the dotted path of the
  // entry's members, for -hide; `list` names the list the entry is in ("" at the top), and
  // the columns of an inner list's entries say so: "ip (secondaryip)".
  cells entry_cells(const json::object& entry, int depth, const std::string& path, const std::string& list) {
    const std::string suffix = list.empty() ? "" : fmt::format(" ({})", list);
    cells out;
    auto add = [&](const std::string& name, std::string value) {
      out.column(name + suffix).push_back(std::move(value));
    };
    for (const auto& [k, child] : entry) {
      std::string key(k), member = path + key;
      if (hidden(member) || key == "_links") continue;
      if (is_value(child)) {
        add(key, value_text(child));
      } else if (child.is_object()) {
        for (const auto& [leaf, value] : child.get_object())
          if (is_value(value) && !hidden(member + "." + std::string(leaf)))
            out.column(std::string(leaf) + " (" + key + ")" + suffix).push_back(value_text(value));
      } else if (depth > 1) {
        cells inner = list_cells(child.get_array(), depth, member + ".", key);
        for (auto& [name, column] : inner.columns) out.column(name) = std::move(column);
      } else {
        add(key, items(child.get_array()));
      }
    }
    return out;
  }

  // The entries of a list stacked: each entry spans as many rows as its longest column.
  cells list_cells(const json::array& entries, int depth, const std::string& path, const std::string& list) {
    cells out;
    size_t rows = 0;
    for (const auto& entry : entries) {
      cells c;
      if (entry.is_object())
        c = entry_cells(entry.get_object(), depth - 1, path, list);
      else  // a list mixing scalars and entries: the scalars in a column of their own
        c.column(list.empty() ? "value" : list).push_back(is_scalar(entry) ? scalar_text(entry) : json::serialize(entry));
      size_t span = 1;
      for (const auto& [name, column] : c.columns) span = std::max(span, column.size());
      for (auto& [name, column] : c.columns) {
        auto& target = out.column(name);
        target.resize(rows, "");
        target.insert(target.end(), column.begin(), column.end());
      }
      rows += span;
    }
    for (auto& [name, column] : out.columns) column.resize(rows, "");
    return out;
  }

  void table(const json::array& list, size_t indent, const std::string& path) {
    if (list.empty()) return;
    cells c = list_cells(list, _depth, path, "");
    if (c.columns.empty()) return;
    std::vector<std::vector<std::string>> rows(1 + c.columns.front().second.size());
    for (const auto& [name, column] : c.columns) {
      rows[0].push_back(name);
      for (size_t i = 0; i < column.size(); ++i) rows[i + 1].push_back(column[i]);
    }
    _out += columns(rows, indent);
  }

  int _depth;
  const std::vector<std::string>& _hide;
  std::string _out;
};

}  // namespace

std::string scalar_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, v.get_double()).ptr);
    }
    case json::kind::string: return std::string(v.get_string());
    default: return json::serialize(v);
  }
}

std::string columns(const std::vector<std::vector<std::string>>& rows, size_t indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i + 1 < row.size(); ++i) {  // nothing follows a row's last cell: it sets no width
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  }
  return out;
}

std::string readable_text(const json::value& v, int depth, const std::vector<std::string>& hide) {
  return readable(depth, hide).text(v);
}

std::string show_text(const json::value& v, const print_options& options) {
  switch (options.format) {
    case show_format::json: return yaml_json::to_pretty_json(v);
    case show_format::yaml: return yaml_json::to_yaml(v);
    case show_format::brief: return readable_text(v, 1, options.hide);
    case show_format::normal: return readable_text(v, 2, options.hide);
    case show_format::verbose: return readable_text(v, 3, options.hide);
  }
  return {};
}

}  // namespace pcn::cli
