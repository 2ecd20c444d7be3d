// actbench/kernels/catalog.hpp - the catalog: the activations' rows folded from one type list.
//
// Every fact about an activation lives beside its functor (kernels/activations.hpp, `NameDef`).  This
// header lists the rows once (AllActivations) and derives from them what the rest of the project needs:
//   kCatalog                 the rows as a constexpr array indexed by Activation
//   visit_activation(a, f)   calls f(Def{}) with the row type of a runtime tag (dispatch, make_functor)
//   variant_exists(a, v, t)  which (activation, variant, dtype) combinations exist as distinct code
//   parse_activation, to_string(Activation)
// Adding an activation: its functor (and textbook form), its row, its entry below (and in the Activation
// enum, whose order the static_asserts check), its reference in harness/reference.cpp.
#pragma once

#include "activations.hpp"
#include "axes.hpp"
#include "dtype.hpp"

#include <array>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace actbench {

template <class... Ds>
struct TypeList {
  static constexpr std::size_t size = sizeof...(Ds);
};

/// Every activation's row, in the order of the Activation enum.
using AllActivations =
    TypeList<ReluDef, Relu6Def, LeakyReluDef, PreluDef, EluDef, SeluDef, CeluDef, SoftplusDef, SigmoidDef,
             HardsigmoidDef, TanhDef, SoftsignDef, SwishDef, HardswishDef, GeluDef, GeluTanhDef, MishDef>;

/// Whether row D has a textbook form.
template <class D>
inline constexpr bool kHasTextbook = !std::is_void<typename D::textbook>::value;

namespace detail {

template <class... Ds>
constexpr std::array<ActivationInfo, sizeof...(Ds)> make_catalog(TypeList<Ds...>) {
  return {{Ds::info...}};
}

/// The catalog row and the code agree: a textbook formula is listed exactly when a textbook type exists,
/// the row's tag is its own, and the row sits at its tag's position.
template <std::size_t I, class D>
constexpr bool row_is_consistent() {
  return static_cast<std::size_t>(D::info.id) == I && D::info.id == D::id &&
         (D::info.textbook != nullptr) == kHasTextbook<D>;
}
template <class... Ds, std::size_t... I>
constexpr bool rows_are_consistent(TypeList<Ds...>, std::index_sequence<I...>) {
  return (row_is_consistent<I, Ds>() && ...);
}

template <class F, class D, class... Ds>
decltype(auto) visit_row(Activation a, F& f, TypeList<D, Ds...>) {
  if constexpr (sizeof...(Ds) == 0) {
    return f(D{});  // the caller validated `a`; the last row takes what is left
  } else {
    if (a == D::id) return f(D{});
    return visit_row(a, f, TypeList<Ds...>{});
  }
}

}  // namespace detail

static_assert(AllActivations::size == static_cast<std::size_t>(kNumActivations), "one row per activation");
static_assert(detail::rows_are_consistent(AllActivations{}, std::make_index_sequence<AllActivations::size>{}),
              "a catalog row disagrees with its functor (order, tag, or textbook form)");

inline constexpr std::array<ActivationInfo, kNumActivations> kCatalog = detail::make_catalog(AllActivations{});

constexpr const ActivationInfo& info(Activation a) { return kCatalog[static_cast<int>(a)]; }
inline const char* to_string(Activation a) { return info(a).name; }

inline std::optional<Activation> parse_activation(std::string_view s) {
  for (const auto& i : kCatalog)
    if (s == i.name || (i.alias != nullptr && s == i.alias)) return i.id;
  return std::nullopt;
}

/// Calls f(D{}) with the row type D of activation a.
template <class F>
decltype(auto) visit_activation(Activation a, F&& f) {
  return detail::visit_row(a, f, AllActivations{});
}

/// Whether variant v of activation a is distinct code for dtype t (and so a case of its own):
/// precise always; textbook where the activation has a textbook form; fast for f32 data where the row
/// has one (the hardware approximations are f32 instructions; 16-bit data take the same narrow path in
/// every non-textbook variant; f64 has no approximations).
template <class D>
constexpr bool variant_exists_for(Variant v, DType t) {
  switch (v) {
    case Variant::precise: return true;
    case Variant::fast: return D::info.has_fast && t == DType::f32;
    case Variant::textbook: return kHasTextbook<D>;
  }
  return false;
}
inline bool variant_exists(Activation a, Variant v, DType t) {
  return visit_activation(a, [&](auto d) { return variant_exists_for<decltype(d)>(v, t); });
}

}  // namespace actbench
