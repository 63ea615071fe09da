#include <aura/testing/harness.hpp>   // the harness and the mocks
#include <aura/testing/catch2.hpp>    // IsAllow, IsDeny, Mutates, HasEffect, HasDiagnostic
