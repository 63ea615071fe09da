// aura/testing/testing.hpp - the testing module: harness, mocks, checks.
// The Catch2 matchers are in aura/testing/catch2.hpp (include it in Catch2 tests).
#pragma once

#include "aura/testing/clock.hpp"
#include "aura/testing/describe.hpp"
#include "aura/testing/harness.hpp"
#include "aura/testing/hook_answer.hpp"
#include "aura/testing/http.hpp"
#include "aura/testing/logger.hpp"
#include "aura/testing/matchers.hpp"
#include "aura/testing/storage.hpp"
