# pcn_bpf_object(<name> SOURCE <file.bpf.c> [INCLUDES dir...] [DEFINES NAME...])
#
# Compiles a BPF C source with clang (-O2 -g -target bpf) into <name>.bpf.o and generates
# its libbpf skeleton <name>.skel.h with bpftool; the skeleton embeds the object, so the
# program that includes it carries its BPF code inside. Creates an INTERFACE library
# <name>_skel whose include directory holds the skeleton: link it and
# `#include "<name>.skel.h"`.
find_program(PCN_CLANG NAMES clang clang-14 REQUIRED)
find_program(PCN_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
execute_process(COMMAND uname -m OUTPUT_VARIABLE PCN_BPF_MACHINE OUTPUT_STRIP_TRAILING_WHITESPACE)
if(PCN_BPF_MACHINE STREQUAL "x86_64")
  set(PCN_BPF_ARCH x86)
  set(PCN_BPF_MULTIARCH x86_64-linux-gnu)
elseif(PCN_BPF_MACHINE STREQUAL "aarch64")
  set(PCN_BPF_ARCH arm64)
  set(PCN_BPF_MULTIARCH aarch64-linux-gnu)
else()
  message(FATAL_ERROR "BPF build: unsupported machine ${PCN_BPF_MACHINE}")
endif()

function(pcn_bpf_object name)
  cmake_parse_arguments(ARG "" "SOURCE" "INCLUDES;DEFINES" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "pcn_bpf_object(${name}): SOURCE is required")
  endif()
  get_filename_component(source ${ARG_SOURCE} ABSOLUTE)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(object ${out_dir}/${name}.bpf.o)
  set(skeleton ${out_dir}/${name}.skel.h)
  set(includes -I${PROJECT_SOURCE_DIR} -I/usr/include/${PCN_BPF_MULTIARCH})
  foreach(dir ${ARG_INCLUDES})
    list(APPEND includes -I${dir})
  endforeach()
  foreach(def ${ARG_DEFINES})
    list(APPEND includes -D${def})
  endforeach()
  # No merging of identical code tails: two tail calls whose slots are different load-time
  # constants must stay two instructions, or the verifier sees one call site with two keys
  # and makes it an indirect jump (a retpoline here) instead of a direct one.
  set(no_tail_merge -mllvm -simplifycfg-sink-common=false -mllvm -enable-tail-merge=false)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${PCN_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${PCN_BPF_ARCH} ${no_tail_merge} -Wall -Wno-unused-function
            ${includes} -MD -MF ${object}.d -c ${source} -o ${object}
    DEPENDS ${source}
    DEPFILE ${object}.d
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${PCN_BPFTOOL} gen skeleton ${object} name ${name} > ${skeleton}
    DEPENDS ${object}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skeleton})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${out_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()

# pcn_fastpath(<name> SOURCE <file.bpf.c>)
#
# A fast path is built for both hook families from one source: <name>_xdp (-DPCN_HOOK_XDP)
# and <name>_tc (-DPCN_HOOK_TC), each an embedded skeleton as above. The INTERFACE library
# <name>_fastpath links both.
function(pcn_fastpath name)
  cmake_parse_arguments(ARG "" "SOURCE" "" ${ARGN})
  pcn_bpf_object(${name}_xdp SOURCE ${ARG_SOURCE} DEFINES PCN_HOOK_XDP)
  pcn_bpf_object(${name}_tc SOURCE ${ARG_SOURCE} DEFINES PCN_HOOK_TC)
  add_library(${name}_fastpath INTERFACE)
  target_link_libraries(${name}_fastpath INTERFACE ${name}_xdp_skel ${name}_tc_skel)
endfunction()
