// lpconform tests — RapidCheck properties inside Catch2 test cases.
#pragma once

#include <iostream>
#include <sstream>
#include <string>
#include <utility>

#include <catch2/catch.hpp>
#include <rapidcheck.h>

namespace lpc::test {

// Checks a RapidCheck property inside the current Catch test case, as a SECTION named
// `description`, with at most `max_success` successful cases. Unlike rc::prop it gives the
// property an id, so the `RC_PARAMS="reproduce=..."` line RapidCheck prints on failure replays
// exactly that property.
template <typename Testable>
void property(const std::string& description, int max_success, Testable&& testable) {
  SECTION(description) {
    rc::detail::TestMetadata metadata;
    metadata.id = Catch::getResultCapture().getCurrentTestName() + "/" + description;
    metadata.description = description;
    rc::detail::TestParams params = rc::detail::configuration().testParams;
    params.maxSuccess = max_success;
    const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    if (result.template is<rc::detail::SuccessResult>()) {
      if (!result.template get<rc::detail::SuccessResult>().distribution.empty())
        std::cout << "- " << description << "\n" << message.str() << "\n";
      SUCCEED();
    } else {
      INFO(message.str() << "\nrapidcheck " << rc::detail::configuration());
      FAIL();
    }
  }
}

}  // namespace lpc::test
