# CLI smoke tests (quick tier): the documented interface end to end, exit statuses included.
# lpc_cli_test(NAME SCRIPT EXPECTED) runs `sh -c SCRIPT lpconform` ("$0" is the binary) and passes
# when the script exits 0 and its output matches the regular expression EXPECTED (ctest ignores the
# exit status once a pass expression is set, so a marker line printed on success carries it).
# Each test runs in a folder of its own, so scratch files of tests running in parallel never clash.
function(lpc_cli_test name script expected)
  set(workdir "${CMAKE_CURRENT_BINARY_DIR}/cli-tests/${name}")
  file(MAKE_DIRECTORY "${workdir}")
  add_test(NAME cli.${name} COMMAND sh -c "( ${script} ) && echo cli-test-succeeded" "$<TARGET_FILE:lpconform>"
           WORKING_DIRECTORY "${workdir}")
  set_tests_properties(cli.${name} PROPERTIES LABELS "quick;cli" PASS_REGULAR_EXPRESSION "${expected}.*cli-test-succeeded")
endfunction()
