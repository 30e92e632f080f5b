// Autocast for a training step's forward and loss (backward runs outside, as autocast requires), restored
// when the scope ends. Engine-internal (torch types): the trainer and the kernel checks' bf16 model check.
#pragma once

#include <ATen/autocast_mode.h>

namespace danka::core::train {

// Autocast's cache of weight casts is off: a transformer uses each weight once per forward, so the cache
// saves no casts, but it would keep a 16-bit copy of every weight alive for the whole step. Without it a
// copy lives only as long as autograd keeps it for backward, which activation checkpointing limits to the
// segment being recomputed (the 24 GB plan of gpt-1.3b-24gb depends on it; model/estimate.cpp counts it).
class AutocastScope {
public:
    AutocastScope(at::DeviceType device, bool enabled, at::ScalarType dtype) : m_device(device), m_enabled(enabled)
    {
        if (!enabled) return;
        m_previous = at::autocast::is_autocast_enabled(device);
        m_previousType = at::autocast::get_autocast_dtype(device);
        m_previousCache = at::autocast::is_autocast_cache_enabled();
        at::autocast::set_autocast_dtype(device, dtype);
        at::autocast::set_autocast_enabled(device, true);
        at::autocast::set_autocast_cache_enabled(false);
    }
    ~AutocastScope()
    {
        if (!m_enabled) return;
        at::autocast::set_autocast_enabled(m_device, m_previous);
        at::autocast::set_autocast_dtype(m_device, m_previousType);
        at::autocast::set_autocast_cache_enabled(m_previousCache);
        at::autocast::clear_cache();
    }
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    at::DeviceType m_device;
    bool m_enabled;
    bool m_previous = false;
    at::ScalarType m_previousType = at::kBFloat16;
    bool m_previousCache = true;
};

}  // namespace danka::core::train
