#pragma once
// A YANG module carried in the binary: its name and its text. cmake/embed.cmake generates
// these from .yang files (pcn_embed_yang), so the daemon reads no model from disk.
#include <span>
#include <string_view>

namespace pcn::schema {

struct module_text {
  std::string_view name;  // the module's name, as its `module` statement declares it
  std::string_view text;  // YANG source
};

// The framework's own modules, which every service model builds on: polycube-base,
// polycube-standard-base and polycube-transparent-base.
std::span<const module_text> base_modules();

}  // namespace pcn::schema
