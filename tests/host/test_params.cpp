// Setting activation parameters: keys, scoping, domains.
#include "harness/params.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace actbench;

TEST(Params, DefaultsArePyTorchs) {
  const Params p;
  EXPECT_DOUBLE_EQ(p.leaky_relu_alpha, 0.01);
  EXPECT_DOUBLE_EQ(p.prelu_alpha, 0.25);
  EXPECT_DOUBLE_EQ(p.elu_alpha, 1.0);
  EXPECT_DOUBLE_EQ(p.celu_alpha, 1.0);
  EXPECT_DOUBLE_EQ(p.softplus_beta, 1.0);
  EXPECT_DOUBLE_EQ(p.swish_beta, 1.0);
  EXPECT_NO_THROW(validate_params(p));
}

TEST(Params, UnqualifiedKeySetsEverySelectedActivationThatHasIt) {
  Params p;
  apply_param(p, "alpha=0.2", {Activation::leaky_relu, Activation::elu});
  EXPECT_DOUBLE_EQ(p.leaky_relu_alpha, 0.2);
  EXPECT_DOUBLE_EQ(p.elu_alpha, 0.2);
  EXPECT_DOUBLE_EQ(p.celu_alpha, 1.0);  // not selected
  apply_param(p, "celu.alpha=2", {});
  EXPECT_DOUBLE_EQ(p.celu_alpha, 2.0);
  apply_param(p, "beta=2", {Activation::softplus});
  EXPECT_DOUBLE_EQ(p.softplus_beta, 2.0);
  EXPECT_DOUBLE_EQ(p.swish_beta, 1.0);
  apply_param(p, "prelu.channels=3", {});
  EXPECT_EQ(p.prelu_channels, 3);
  apply_param(p, "silu.beta=1.5", {});
  EXPECT_DOUBLE_EQ(p.swish_beta, 1.5);
}

TEST(Params, BadInputIsAClearError) {
  Params p;
  auto fails_with = [&](const char* s, std::vector<Activation> sel, const char* needle) {
    try {
      apply_param(p, s, sel);
      ADD_FAILURE() << "accepted " << s;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  fails_with("beta=-1", {Activation::softplus}, "> 0");
  fails_with("swish.beta=0", {}, "> 0");
  fails_with("celu.alpha=0", {}, "non-zero");
  fails_with("prelu.channels=2.5", {}, "integer");
  fails_with("prelu.channels=0", {}, "integer");
  fails_with("alpha=nan", {Activation::elu}, "finite");
  fails_with("alpha=abc", {Activation::elu}, "not a number");
  fails_with("gamma=1", {Activation::elu}, "no selected activation");
  fails_with("beta=2", {Activation::relu}, "no selected activation");
  fails_with("nokey", {Activation::elu}, "key=value");
  fails_with("foo.alpha=1", {}, "unknown activation");
  EXPECT_DOUBLE_EQ(p.softplus_beta, 1.0);  // nothing half-applied
}
