#include "autodiff/gradcheck.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {

std::vector<Tensor<double>> leaves(const std::vector<Array<double>>& inputs) {
  std::vector<Tensor<double>> out;
  for (const auto& x : inputs) out.emplace_back(x, true);
  return out;
}

Array<double> random_like(const Shape& shape, std::mt19937_64& engine) {
  std::normal_distribution<double> normal;
  auto w = Array<double>::from_shape(shape);
  for (auto& v : w) v = normal(engine);
  return w;
}

// L = sum(w * f(x)) with one fixed w per output shape.
struct WeightedLoss {
  const CheckedFunction& f;
  std::uint64_t seed;
  Tensor<double> operator()(const std::vector<Tensor<double>>& xs) const {
    Tensor<double> y = f(xs);
    std::mt19937_64 engine(seed);
    return sum(y * Tensor<double>(random_like(y.shape(), engine)));
  }
};

// `loss(xs, analytic)`: analytic is true for the one evaluation that backward differentiates.
using Loss = std::function<Tensor<double>(const std::vector<Tensor<double>>&, bool analytic)>;

GradcheckReport compare(const Loss& loss, const std::vector<Array<double>>& inputs,
                        const GradcheckOptions& options, bool numeric_needs_tape) {
  std::vector<Tensor<double>> xs = leaves(inputs);
  Tensor<double> l = loss(xs, true);
  std::vector<Tensor<double>> analytic;
  if (l.requires_grad()) {
    analytic = grad(l, xs);
  } else {  // L does not depend on the inputs through any recorded op
    for (const auto& x : inputs) analytic.emplace_back(Array<double>(xt::zeros<double>(x.shape())));
  }
  tape().reset();

  GradcheckReport report;
  static constexpr double coefficients[] = {1.0 / 60, -9.0 / 60, 45.0 / 60};  // of f(x+3h), f(x+2h), f(x+h)
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    InputCheck check;
    check.input = i;
    for (std::size_t k = 0; k < inputs[i].size(); ++k) {
      auto evaluate = [&](double offset) {
        std::vector<Array<double>> moved = inputs;
        moved[i].data()[k] += offset;
        std::vector<Tensor<double>> args;
        for (auto& m : moved) args.emplace_back(std::move(m), numeric_needs_tape);
        GradModeGuard mode(numeric_needs_tape);
        double value = loss(args, false).item();
        tape().reset();
        return value;
      };
      const double h = options.step;
      double numeric = 0;
      for (int j = 0; j < 3; ++j) {
        const double offset = (3 - j) * h;
        numeric += coefficients[j] * (evaluate(offset) - evaluate(-offset));
      }
      numeric /= h;
      const double a = analytic[i].value().data()[k];
      const double abs_error = std::abs(a - numeric);
      const double rel_error =
          abs_error / std::max({std::abs(a), std::abs(numeric), options.relative_floor});
      check.max_abs_error = std::max(check.max_abs_error, abs_error);
      // A NaN is the worst error there is: the first one is reported.
      const bool worse = std::isnan(rel_error) ? !std::isnan(check.max_rel_error) : rel_error > check.max_rel_error;
      if (worse || k == 0) {
        check.max_rel_error = std::max(check.max_rel_error, rel_error);
        check.worst_index = k;
        check.analytic = a;
        check.numeric = numeric;
      }
      if (std::isnan(abs_error)) check.max_rel_error = check.max_abs_error = NAN;
    }
    report.inputs.push_back(check);
  }
  return report;
}

}  // namespace

double GradcheckReport::max_abs_error() const {
  double worst = 0;
  for (const auto& c : inputs) worst = std::isnan(c.max_abs_error) ? NAN : std::max(worst, c.max_abs_error);
  return worst;
}

double GradcheckReport::max_rel_error() const {
  double worst = 0;
  for (const auto& c : inputs) {
    if (std::isnan(c.max_rel_error)) return NAN;
    worst = std::max(worst, c.max_rel_error);
  }
  return worst;
}

std::string GradcheckReport::str() const {
  std::ostringstream out;
  for (const auto& c : inputs)
    out << "input " << c.input << ": max abs error " << c.max_abs_error << ", max rel error "
        << c.max_rel_error << " at element " << c.worst_index << " (analytic " << c.analytic
        << ", numeric " << c.numeric << ")\n";
  if (graph_mismatch > 0) out << "create_graph gradient differs from the plain one by " << graph_mismatch << "\n";
  return out.str();
}

GradcheckReport gradcheck(const CheckedFunction& f, const std::vector<Array<double>>& inputs,
                          const GradcheckOptions& options) {
  WeightedLoss loss{f, options.seed};
  return compare([&](const auto& xs, bool) { return loss(xs); }, inputs, options, false);
}

GradcheckReport gradgradcheck(const CheckedFunction& f, const std::vector<Array<double>>& inputs,
                              const GradcheckOptions& options) {
  WeightedLoss loss{f, options.seed};
  // The same gradient twice: plainly, and recorded for differentiation. They must agree.
  double mismatch = 0;
  {
    std::vector<Tensor<double>> xs = leaves(inputs);
    Tensor<double> l = loss(xs);
    if (l.requires_grad()) {
      auto plain = grad(l, xs, {.retain_graph = true});
      auto recorded = grad(l, xs, {.create_graph = true});
      for (std::size_t i = 0; i < xs.size(); ++i)
        mismatch = std::max(mismatch, double(xt::amax(xt::abs(plain[i].value() - recorded[i].value()))()));
    }
    tape().reset();
  }
  auto gradient_dot_v = [&](const std::vector<Tensor<double>>& xs, bool analytic) {
    std::mt19937_64 engine(options.seed + 1);
    Tensor<double> l = loss(xs);
    if (!l.requires_grad()) return Tensor<double>::scalar(0);
    std::vector<Tensor<double>> gs = grad(l, xs, {.create_graph = analytic});
    Tensor<double> total = Tensor<double>::scalar(0);
    for (const auto& g : gs) total = total + sum(g * Tensor<double>(random_like(g.shape(), engine)));
    return total;
  };
  auto report = compare(gradient_dot_v, inputs, options, true);
  report.graph_mismatch = mismatch;
  return report;
}

}  // namespace tapegrad
