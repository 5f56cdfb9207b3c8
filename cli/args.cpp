#include "cli/args.hpp"

#include <optional>

namespace pcn::cli {
namespace {

std::optional<command> command_of(std::string_view word) {
  if (word == "add") return command::add;
  if (word == "del") return command::del;
  if (word == "show") return command::show;
  if (word == "set") return command::set;
  return std::nullopt;
}

std::optional<show_format> format_of(std::string_view flag) {
  if (flag == "-normal") return show_format::normal;
  if (flag == "-brief") return show_format::brief;
  if (flag == "-verbose") return show_format::verbose;
  if (flag == "-json") return show_format::json;
  if (flag == "-yaml") return show_format::yaml;
  return std::nullopt;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

void parse_flag(command_line& line, const std::string& flag, size_t argc) {
  if (flag == "-h" || flag == "--help") {
    if (argc != 1) throw syntax_error(flag + " takes no other argument");
    line.usage = true;
  } else if (auto f = format_of(flag)) {
    if (line.format_given) throw syntax_error(flag + ": only one of -normal -brief -verbose -json -yaml");
    line.format = *f;
    line.format_given = true;
  } else if (flag.starts_with("-hide=")) {
    if (!line.hide.empty()) throw syntax_error(flag + ": give -hide once, with a comma-separated list");
    for (auto& key : split(flag.substr(6), ',')) {
      if (key.empty()) throw syntax_error(flag + ": usage: -hide=key0,key1.key2");
      line.hide.push_back(std::move(key));
    }
  } else {
    throw syntax_error(quoted(flag) + " is not a flag (-json -yaml -brief -verbose -normal -hide=keys -h)");
  }
}

}  // namespace

std::string quoted(std::string_view word) {
  std::string out;
  out.reserve(word.size() + 2);
  out += '\'';
  out += word;
  out += '\'';
  return out;
}

std::string_view command_name(command c) {
  switch (c) {
    case command::none: return "";
    case command::add: return "add";
    case command::del: return "del";
    case command::show: return "show";
    case command::set: return "set";
  }
  return "";
}

command_line parse_args(std::span<const std::string> args) {
  command_line line;
  line.usage = args.empty();
  std::optional<std::string> command_word;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty()) throw syntax_error("empty argument (word " + std::to_string(i + 1) + ")");
    if (arg == "?") {
      if (i + 1 != args.size()) throw syntax_error("'?' must be the last argument");
      line.help = true;
    } else if (arg[0] == '-') {
      parse_flag(line, arg, args.size());
    } else if (auto c = command_of(arg)) {
      if (command_word) throw syntax_error("two commands: " + quoted(*command_word) + " and " + quoted(arg));
      if (!line.assignments.empty()) throw syntax_error(quoted(arg) + " must come before the key=value arguments");
      command_word = arg;
      line.cmd = *c;
      line.before_command = line.path.size();
    } else if (size_t eq = arg.find('='); eq != std::string::npos) {
      std::string key = arg.substr(0, eq);
      if (key.empty()) throw syntax_error(quoted(arg) + ": key=value without a key");
      for (const auto& [k, v] : line.assignments)
        if (k == key) throw syntax_error(quoted(arg) + ": " + quoted(key) + " is given twice");
      line.assignments.emplace_back(std::move(key), arg.substr(eq + 1));
    } else {
      if (!line.assignments.empty())
        throw syntax_error(quoted(arg) + " is not valid after " + quoted(args[i - 1]) + ": key=value arguments come last");
      line.path.push_back(arg);
    }
  }
  if (!command_word) line.before_command = line.path.size();
  if (!line.hide.empty() && (line.format == show_format::json || line.format == show_format::yaml))
    throw syntax_error("-hide does not apply to -json or -yaml");
  return line;
}

}  // namespace pcn::cli
