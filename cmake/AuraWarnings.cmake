# Strict warnings for aura's own targets (tests, examples, benchmarks).
add_library(aura_warnings INTERFACE)
target_compile_options(aura_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${AURA_WERROR}>:-Werror>)

# aura_strict(<target>...): link the strict warning set into targets.
function(aura_strict)
  foreach(t IN LISTS ARGN)
    target_link_libraries(${t} PRIVATE aura_warnings)
  endforeach()
endfunction()
