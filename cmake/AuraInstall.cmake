# Install rules: headers, the exported INTERFACE target, a package config
# (find_package(aura CONFIG)) and a pkg-config file (aura.pc).
include(CMakePackageConfigHelpers)

install(TARGETS aura EXPORT auraTargets)
install(DIRECTORY include/aura DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT auraTargets NAMESPACE aura:: DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)

configure_package_config_file(cmake/auraConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/auraConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)
# Header-only: any architecture may consume it.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/auraConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/auraConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/auraConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/aura/cmake)

configure_file(cmake/aura.pc.in ${CMAKE_CURRENT_BINARY_DIR}/aura.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/aura.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
