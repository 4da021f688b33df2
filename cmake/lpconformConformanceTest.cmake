# lpconform_add_conformance_test(): a ctest that runs an lpconform profile against an
# implementation, in one line of a vendor's CMake project. Installed with the lpconform package
# (find_package(lpconform) includes it) and usable in lpconform's own tree.
#
#   lpconform_add_conformance_test(NAME <test name>
#                                  PLUGIN <target or path to the plugin .so> | IMPL <fast|chip|plugin:PATH>
#                                  [PROFILE <bundled name or .csv path>]   default: lpconform-formats
#                                  [WAIVERS <waivers.csv>] [OUT <report folder>] [LABELS <label>...]
#                                  [ARGS <more lpconform run arguments>...])
#
# The test runs `lpconform run --impl ... --profile ... --out OUT` (OUT defaults to
# ${CMAKE_CURRENT_BINARY_DIR}/lpconform/<NAME>: report.json, junit.xml, summary.md, failures.csv)
# and passes when lpconform exits 0: every required item PASS or WAIVED. A FAIL (exit 1), a usage
# error (2) or an infrastructure error (3) fails it. Labels: "lpconform" and LABELS.
function(lpconform_add_conformance_test)
  cmake_parse_arguments(PARSE_ARGV 0 LPC "" "NAME;PLUGIN;IMPL;PROFILE;WAIVERS;OUT" "LABELS;ARGS")
  if(NOT LPC_NAME)
    message(FATAL_ERROR "lpconform_add_conformance_test: NAME is required")
  endif()
  if((LPC_PLUGIN AND LPC_IMPL) OR (NOT LPC_PLUGIN AND NOT LPC_IMPL))
    message(FATAL_ERROR "lpconform_add_conformance_test(${LPC_NAME}): give exactly one of PLUGIN and IMPL")
  endif()
  if(NOT TARGET lpconform::lpconform)
    message(FATAL_ERROR "lpconform_add_conformance_test(${LPC_NAME}): no lpconform::lpconform target (find_package(lpconform) first)")
  endif()
  if(LPC_PLUGIN)
    if(TARGET "${LPC_PLUGIN}")
      set(impl "plugin:$<TARGET_FILE:${LPC_PLUGIN}>")
    else()
      set(impl "plugin:${LPC_PLUGIN}")
    endif()
  else()
    set(impl "${LPC_IMPL}")
  endif()
  if(NOT LPC_PROFILE)
    set(LPC_PROFILE lpconform-formats)
  endif()
  if(NOT LPC_OUT)
    set(LPC_OUT "${CMAKE_CURRENT_BINARY_DIR}/lpconform/${LPC_NAME}")
  endif()
  set(waivers "")
  if(LPC_WAIVERS)
    set(waivers --waivers "${LPC_WAIVERS}")
  endif()
  add_test(NAME "${LPC_NAME}"
           COMMAND lpconform::lpconform run --impl "${impl}" --profile "${LPC_PROFILE}" --out "${LPC_OUT}" ${waivers} ${LPC_ARGS})
  set_tests_properties("${LPC_NAME}" PROPERTIES LABELS "lpconform;${LPC_LABELS}")
endfunction()
