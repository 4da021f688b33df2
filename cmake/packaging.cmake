# `cmake --install BUILD [--prefix P]`: what a vendor needs to test an implementation.
#   bin/lpconform, bin/lpconform-worker               the CLI and the worker that runs plugins
#   lib/lpconform/liblpconform_fast_plugin.so         the bundled fast implementation as a plugin
#   include/lpconform/vendor.h                        the vendor C ABI
#   lib/cmake/lpconform/lpconform{Config,ConfigVersion,Targets,ConformanceTest}.cmake
#                                                     find_package(lpconform) -> lpconform::vendor_abi,
#                                                     lpconform::lpconform, lpconform_add_conformance_test()
#   share/man/man1/lpconform.1                        the man page (help2man, when installed at build time)
#   share/bash-completion/completions/lpconform       bash completion
#   share/doc/lpconform/LICENSE                       MIT
#   lib/pkgconfig/lpconform.pc                        pkg-config --cflags lpconform
# The example plugin impls/plugin/examples/minimal builds against this (ctest plugins.install).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LPC_PACKAGE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/lpconform")

install(TARGETS lpconform lpconform-worker EXPORT lpconformTargets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS lpconform_fast_plugin LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/lpconform")
install(FILES "${PROJECT_SOURCE_DIR}/impls/plugin/include/lpconform/vendor.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/lpconform")
install(TARGETS lpc_vendor_abi EXPORT lpconformTargets)
install(EXPORT lpconformTargets NAMESPACE lpconform:: DESTINATION "${LPC_PACKAGE_CMAKE_DIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/lpconformConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/package/lpconformConfig.cmake" INSTALL_DESTINATION "${LPC_PACKAGE_CMAKE_DIR}"
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/lpconformConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
# The .pc file finds its prefix from its own place, so `cmake --install --prefix P` relocates it.
file(RELATIVE_PATH LPC_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/lpconform.pc.in" "${PROJECT_BINARY_DIR}/package/lpconform.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/lpconformConfig.cmake" "${PROJECT_BINARY_DIR}/package/lpconformConfigVersion.cmake"
        DESTINATION "${LPC_PACKAGE_CMAKE_DIR}")
install(FILES "${PROJECT_BINARY_DIR}/package/lpconform.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
install(FILES "${PROJECT_SOURCE_DIR}/cmake/lpconformConformanceTest.cmake" DESTINATION "${LPC_PACKAGE_CMAKE_DIR}")
install(FILES "${PROJECT_BINARY_DIR}/share/lpconform.bash" DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" RENAME lpconform)
if(LPC_HELP2MAN)
  install(FILES "${PROJECT_BINARY_DIR}/share/lpconform.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
endif()
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
