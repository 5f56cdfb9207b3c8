#pragma once
// How polycubectl prints what the daemon answers to `show`: readable text (leaves as
// `key: value`, lists as tables, lists inside entries as extra columns), JSON or YAML.
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "cli/plan.hpp"

namespace pcn::cli {

// Rows as aligned columns (two spaces apart), each line prefixed by `indent` spaces and
// stripped of trailing blanks. Rows may have fewer cells than others; the last cell of a
// row does not widen its column (a one-cell row is a title across the table).
std::string columns(const std::vector<std::vector<std::string>>& rows, size_t indent = 0);

// The answer in the format asked for; ends with a newline unless empty.
std::string show_text(const boost::json::value& v, const print_options& options);

// Readable text. `depth` is how far lists unfold: 1 (-brief) counts their entries, 2 (the
// default) tables the entries of lists, 3 (-verbose) also the lists inside those entries.
// `hide` holds dotted paths (ports.uuid) of members or columns not to print.
std::string readable_text(const boost::json::value& v, int depth, const std::vector<std::string>& hide);

// A scalar as text: strings as they are, null as "".
std::string scalar_text(const boost::json::value& v);

}  // namespace pcn::cli
