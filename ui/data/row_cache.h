// A least-recently-used cache of table rows computed on demand, for the Data page's models over files far
// larger than memory: a view asks for the rows on screen many times (paint, tooltips, size hints) and each
// is read and parsed once while it stays in the cache.
#pragma once

#include <list>
#include <unordered_map>
#include <utility>

namespace danka::ui {

template <typename Row>
class RowCache {
public:
    explicit RowCache(size_t capacity) : m_capacity(capacity) {}

    // The cached row, or the one `make(row)` computes (then cached, evicting the least recently used).
    template <typename Make>
    const Row &get(int row, Make &&make)
    {
        if (auto it = m_index.find(row); it != m_index.end()) {
            m_rows.splice(m_rows.end(), m_rows, it->second);  // now the most recently used
            return it->second->second;
        }
        if (m_rows.size() >= m_capacity) {
            m_index.erase(m_rows.front().first);
            m_rows.pop_front();
        }
        m_rows.emplace_back(row, make(row));
        m_index[row] = std::prev(m_rows.end());
        return m_rows.back().second;
    }
    void clear()
    {
        m_rows.clear();
        m_index.clear();
    }
    size_t size() const { return m_rows.size(); }

private:
    size_t m_capacity;
    std::list<std::pair<int, Row>> m_rows;  // least recently used first
    std::unordered_map<int, typename std::list<std::pair<int, Row>>::iterator> m_index;
};

}  // namespace danka::ui
