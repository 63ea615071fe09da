# Install rules: headers, the exported INTERFACE target, a package config
# (find_package(aura CONFIG)) and pkg-config files (aura.pc, aura-process.pc,
# aura-lua.pc).
include(CMakePackageConfigHelpers)

install(TARGETS aura EXPORT auraTargets)
if(AURA_BUILD_COMPILED)
  install(TARGETS aura_compiled EXPORT auraTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY include/aura DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT auraTargets NAMESPACE aura:: DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)

configure_package_config_file(cmake/auraConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/auraConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)
# Header-only: any architecture may consume it; with the compiled library, only
# this one.
if(AURA_BUILD_COMPILED)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/auraConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
else()
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/auraConfigVersion.cmake
    COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
endif()
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/auraConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/auraConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)

# pkg-config files, relocatable: each finds the prefix from its own directory
# (${pcfiledir}), so the prefix given to `cmake --install --prefix` is the one used.
set(AURA_PC_DIR ${CMAKE_INSTALL_DATADIR}/pkgconfig)
file(RELATIVE_PATH AURA_PC_TO_PREFIX /prefix/${AURA_PC_DIR} /prefix)
string(REGEX REPLACE "/$" "" AURA_PC_TO_PREFIX "${AURA_PC_TO_PREFIX}")
set(aura_pc_files aura aura-process aura-lua)
if(AURA_BUILD_COMPILED)
  list(APPEND aura_pc_files aura-compiled)
endif()
foreach(pc IN LISTS aura_pc_files)
  configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${AURA_PC_DIR})
endforeach()
