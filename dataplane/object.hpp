#pragma once
// One BPF object (a cube's fast path, or the framework's netdev programs) opened from the
// ELF bytes embedded in the binary, specialised with load-time constants, its maps pinned
// or reused, then loaded. Failures throw bpf_error with libbpf's reason and the tail of
// the verifier log.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.hpp"

struct bpf_object;
struct bpf_map;
struct bpf_program;

namespace pcn::dataplane {

class bpf_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The ELF of a compiled BPF object, as embedded by its skeleton (skel::elf_bytes).
struct elf_image {
  const void* data = nullptr;
  size_t size = 0;
};

// The object a bpftool skeleton embeds (Skeleton::elf_bytes).
template <typename Skeleton>
elf_image embedded_object() {
  size_t size = 0;
  const void* data = Skeleton::elf_bytes(&size);
  return {data, size};
}

// A load-time constant of a fast path (a `const volatile` global), as raw bytes.
struct load_constant {
  std::string name;
  std::vector<std::byte> value;

  template <typename T>
  static load_constant of(std::string name, const T& v) {
    auto* p = reinterpret_cast<const std::byte*>(&v);
    return {std::move(name), std::vector<std::byte>(p, p + sizeof v)};
  }
};

// Routes libbpf's messages to the project's logger, one level down; installed once.
void install_libbpf_logger();

// Instructions of a loaded program after verification (0 if the kernel does not say).
uint32_t verified_instructions(int prog_fd);

class bpf_object_file {
 public:
  bpf_object_file() noexcept = default;  // empty: nothing opened
  // Opens (does not load) the object; `name` names it in errors and in the kernel.
  bpf_object_file(std::string name, elf_image image);
  ~bpf_object_file();
  bpf_object_file(bpf_object_file&& other) noexcept;
  bpf_object_file& operator=(bpf_object_file&& other) noexcept;
  bpf_object_file(const bpf_object_file&) = delete;
  bpf_object_file& operator=(const bpf_object_file&) = delete;

  const std::string& name() const noexcept { return _name; }

  // Before load: sets a `const volatile` global in .rodata. Throws when the object has no
  // such variable or its size differs from `size`.
  void set_constant(std::string_view variable, const void* value, size_t size);
  template <typename T>
  void set_constant(std::string_view variable, const T& value) {
    set_constant(variable, &value, sizeof value);
  }
  bool has_constant(std::string_view variable) const;
  // Where a load-time constant lives in the object's .rodata: {offset, size}; nullopt when
  // there is no such constant. (E.g. to read back what a loaded program was given.)
  std::optional<std::pair<uint32_t, uint32_t>> constant_location(std::string_view variable) const;

  // Before load: the names of the object's own maps (not .rodata/.bss), and of its data
  // sections meant to be shared like maps (named .data.pcn_*: bpf/pcn_hook.h).
  std::vector<std::string> map_names() const;
  static constexpr std::string_view shared_section_prefix = ".data.pcn_";
  // Before load: the map will be pinned at `path` (reused if something compatible is
  // pinned there already, created and pinned otherwise).
  void pin_map(std::string_view map, const std::string& path);
  // Before load: the map will be this existing map instead of a new one.
  void reuse_map(std::string_view map, int fd);

  // Before load: the map's size, instead of the one its definition gives.
  void set_max_entries(std::string_view map, uint32_t entries);
  // Before load: whether the program is loaded at all (all are, by default).
  void set_autoload(std::string_view program, bool load);

  // Loads every program and creates (or reuses) every map.
  void load();
  bool loaded() const noexcept { return _loaded; }

  // After load.
  int map_fd(std::string_view map) const;
  std::optional<int> find_map_fd(std::string_view map) const;
  int program_fd(std::string_view program) const;
  std::vector<std::string> program_names() const;

 private:
  friend class program_template;
  bpf_map* find_map(std::string_view map) const;
  void reset() noexcept;

  std::string _name;
  bpf_object* _object = nullptr;
  bool _loaded = false;
};

// Loads each object in turn (e.g. a cube's objects, on its home shard).
inline void load_each(std::span<bpf_object_file> objects) {
  for (auto& o : objects) o.load();
}

// A program of a loaded object used as a template, instantiated with other values of its
// load-time constants without opening the object again: each instance gets a .rodata of its
// own (created, written, frozen) and the template's instructions pointing at it. For a small
// program loaded many times (the netdev entry programs), most of an object's load is not
// the program: parsing the ELF, loading its BTF, libbpf's probes. Instances carry no BTF
// (no source lines in their dumps) and use the object's maps; the object must outlive the
// template.
class program_template {
 public:
  program_template(const bpf_object_file& loaded, std::string_view program);

  // A new program, loaded, its .rodata the template's with these constants written over:
  // an fd the caller owns. `name` names it in errors (the kernel gets the program's name).
  // Throws bpf_error.
  unique_fd instantiate(const std::vector<load_constant>& constants, const std::string& name) const;

 private:
  const bpf_object_file* _object;
  std::string _program;
  std::vector<uint64_t> _insns;         // struct bpf_insn, as loaded: relocated, the template's .rodata fd in them
  std::vector<unsigned char> _rodata;   // the template's .rodata contents
  int _rodata_fd = -1;
  std::string _rodata_name;
  uint32_t _rodata_flags = 0;
  int _type = 0, _expected_attach_type = 0;
  uint32_t _prog_flags = 0;
};

}  // namespace pcn::dataplane
