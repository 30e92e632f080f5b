// Record index of a raw data file (see record_index.h).
#include "core/data/record_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/data/reader.h"
#include "core/util/error.h"
#include "core/run/job.h"
#include "core/util/utf8.h"

namespace danka::core::data {

namespace {

// Follows one element of a JSON array byte by byte, exactly as RecordReader::readArrayElement delimits it:
// an object or array ends with its closing bracket, any other value before the next ',' or ']'.
class ElementScanner {
public:
    enum class Step { More, EndsAfter, EndsBefore };  // the element ends with this byte / before it

    Step feed(char c)
    {
        if (m_started && !m_object && !m_inString && m_depth == 0 && (c == ',' || c == ']'))
            return Step::EndsBefore;
        if (!m_started) {
            m_started = true;
            m_object = c == '{' || c == '[';
        }
        if (m_inString) {
            if (m_escape)
                m_escape = false;
            else if (c == '\\')
                m_escape = true;
            else if (c == '"')
                m_inString = false;
        } else if (c == '"') {
            m_inString = true;
        } else if (c == '{' || c == '[') {
            ++m_depth;
        } else if (c == '}' || c == ']') {
            if (--m_depth == 0 && m_object) return Step::EndsAfter;
        }
        return Step::More;
    }

private:
    bool m_started = false, m_object = false, m_inString = false, m_escape = false;
    int m_depth = 0;
};

std::string tooLong(const char *what)
{
    return RecordError{what, "over " + std::to_string(RecordReader::kMaxRecordBytes >> 20) + " MiB"}
        .toString();
}

// Entry starts of a line-based layout (JSONL, text), fed chunk by chunk. A line is blank when it holds only
// the reader's blank characters: " \t\r" for JSONL, " \t\f\v" plus a trailing '\r' for text.
class LineScanner {
public:
    LineScanner(bool text, uint64_t start, std::vector<uint64_t> &offsets, std::vector<int64_t> &lines)
        : m_text(text), m_lineStart(start), m_offsets(offsets), m_lines(lines)
    {
    }

    void feed(const char *data, size_t n, uint64_t base)
    {
        size_t p = 0;
        while (p < n) {
            if (m_deciding) {
                const char c = data[p];
                if (c == '\n') {
                    endLine(base + p, '\0');
                    ++p;
                } else if (m_sawCr) {
                    nonBlank();  // a '\r' that does not end the line: text, not blank space
                } else if (c == '\r' && m_text) {
                    m_sawCr = true;
                    ++p;
                } else if (c == ' ' || c == '\t' || (m_text ? c == '\f' || c == '\v' : c == '\r')) {
                    ++p;
                } else {
                    nonBlank();
                }
                continue;
            }
            const void *nl = std::memchr(data + p, '\n', n - p);
            if (!nl) {
                m_last = data[n - 1];
                return;
            }
            const size_t q = static_cast<size_t>(static_cast<const char *>(nl) - data);
            endLine(base + q, q > 0 ? data[q - 1] : m_last);
            p = q + 1;
        }
        if (n > 0) m_last = data[n - 1];
    }

    // The file ends: a last line without a newline still counts.
    void finish(uint64_t fileSize)
    {
        if (!m_deciding) endLine(fileSize, m_last);
    }

private:
    void nonBlank()
    {
        m_deciding = false;
        m_sawCr = false;
        m_nonBlank = true;
        if (!m_text) push(m_lineStart);
    }

    void endLine(uint64_t newline, char before)
    {
        if (m_text) {
            if (!m_nonBlank) {
                m_docOpen = false;  // a blank line ends the document
            } else {
                const uint64_t length = newline - m_lineStart - (before == '\r' ? 1 : 0);
                // As RecordReader::nextText: a document is cut before the line that would take it over the
                // limit.
                if (!m_docOpen || m_docBytes + length + 1 > RecordReader::kMaxTextDocumentBytes) {
                    push(m_lineStart);
                    m_docOpen = true;
                    m_docBytes = length;
                } else {
                    m_docBytes += length + 1;
                }
            }
        }
        ++m_linesDone;
        m_lineStart = newline + 1;
        m_deciding = true;
        m_sawCr = false;
        m_nonBlank = false;
    }

    void push(uint64_t offset)
    {
        m_offsets.push_back(offset);
        m_lines.push_back(m_linesDone + 1);
    }

    bool m_text;
    uint64_t m_lineStart;
    std::vector<uint64_t> &m_offsets;
    std::vector<int64_t> &m_lines;
    int64_t m_linesDone = 0;
    bool m_deciding = true;  // in the leading blank space of a line
    bool m_sawCr = false;
    bool m_nonBlank = false;
    char m_last = '\0';  // last byte of the previous chunk
    bool m_docOpen = false;
    uint64_t m_docBytes = 0;
};

// Element starts of a file holding one JSON array, fed chunk by chunk.
class ArrayScanner {
public:
    ArrayScanner(std::vector<uint64_t> &offsets, std::vector<int64_t> &lines)
        : m_offsets(offsets), m_lines(lines)
    {
    }

    bool done() const { return m_phase == Phase::Done; }

    void feed(const char *data, size_t n, uint64_t base)
    {
        for (size_t p = 0; p < n && m_phase != Phase::Done; ++p) {
            const char c = data[p];
            const uint64_t at = base + p;
            switch (m_phase) {
            case Phase::Open:  // up to and including the '[' (RecordReader made sure it is there)
                if (c == '[') m_phase = Phase::Between;
                break;
            case Phase::Between:
                if (c == ']') {
                    m_phase = Phase::Done;
                } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',') {
                    m_offsets.push_back(at);
                    m_lines.push_back(m_newlines + 1);
                    m_element = ElementScanner();
                    m_element.feed(c);
                    m_phase = Phase::Element;
                }
                break;
            case Phase::Element:
                switch (m_element.feed(c)) {
                case ElementScanner::Step::More: break;
                case ElementScanner::Step::EndsAfter: m_phase = Phase::Between; break;
                case ElementScanner::Step::EndsBefore:
                    m_phase = c == ']' ? Phase::Done : Phase::Between;
                    break;
                }
                break;
            case Phase::Done: break;
            }
            if (c == '\n') ++m_newlines;
        }
    }

private:
    enum class Phase { Open, Between, Element, Done };
    Phase m_phase = Phase::Open;
    std::vector<uint64_t> &m_offsets;
    std::vector<int64_t> &m_lines;
    ElementScanner m_element;
    int64_t m_newlines = 0;
};

bool parseText(std::string_view text, const std::string &file, int64_t line, Record &out, std::string &error)
{
    std::string doc, firstProblem;
    int64_t lineNo = line - 1, docLine = line;
    size_t pos = 0;
    while (pos < text.size()) {
        ++lineNo;
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(pos, end - pos);
        pos = end + 1;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        // The reader skips these lines without ending the document.
        if (l.size() > RecordReader::kMaxRecordBytes) {
            if (firstProblem.empty()) firstProblem = tooLong("line too long");
            continue;
        }
        if (const size_t bad = utf8::firstInvalid(l); bad != utf8::kValid) {
            if (firstProblem.empty())
                firstProblem =
                    RecordError{"invalid UTF-8", "at byte " + std::to_string(bad + 1) + " of the line"}
                        .toString();
            continue;
        }
        if (l.find_first_not_of(" \t\f\v") == std::string_view::npos) {
            if (!doc.empty()) break;
            continue;
        }
        if (doc.empty())
            docLine = lineNo;  // skipped lines before it are not part of the record
        else
            doc += '\n';
        doc.append(l);
    }
    if (doc.empty()) {
        error = firstProblem.empty() ? RecordError{"empty record", ""}.toString() : firstProblem;
        return false;
    }
    out = Record();
    out.kind = RecordKind::Text;
    out.text = std::move(doc);
    out.file = file;
    out.line = docLine;
    return true;
}

}  // namespace

bool parseRecord(std::string_view text, DataFormat format, const std::string &file, int64_t line, Record &out,
                 std::string &error, bool arrayElement)
{
    if (format == DataFormat::Text || format == DataFormat::Auto)
        return parseText(text, file, line, out, error);
    std::string_view json;
    if (arrayElement) {
        ElementScanner scanner;
        size_t end = std::string_view::npos;
        for (size_t i = 0; i < text.size() && end == std::string_view::npos; ++i) {
            switch (scanner.feed(text[i])) {
            case ElementScanner::Step::More: break;
            case ElementScanner::Step::EndsAfter: end = i + 1; break;
            case ElementScanner::Step::EndsBefore: end = i; break;
            }
        }
        if (end == std::string_view::npos) {
            error = text.size() > RecordReader::kMaxRecordBytes
                        ? tooLong("record too long")
                        : RecordError{"truncated record", "the file ends inside it"}.toString();
            return false;
        }
        if (end > RecordReader::kMaxRecordBytes) {
            error = tooLong("record too long");
            return false;
        }
        json = text.substr(0, end);
    } else {
        const size_t nl = text.find('\n');
        json = text.substr(0, nl);
        if (json.size() > RecordReader::kMaxRecordBytes) {
            error = tooLong("line too long");
            return false;
        }
        if (!json.empty() && json.back() == '\r') json.remove_suffix(1);
    }
    RecordError e;
    if (!parseJsonRecord(json, format, out, e)) {
        error = e.toString();
        return false;
    }
    out.file = file;
    out.line = line;
    return true;
}

// --- RecordIndex -------------------------------------------------------------------------------------------

struct RecordIndex::File {
    int fd = -1;
    int64_t mtimeNs = 0;
    explicit File(int descriptor) : fd(descriptor) {}
    ~File()
    {
        if (fd >= 0) ::close(fd);
    }
};

namespace {
int64_t mtimeNs(const struct stat &st)
{
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}
}  // namespace

RecordIndex::RecordIndex(RecordIndex &&) noexcept = default;
RecordIndex &RecordIndex::operator=(RecordIndex &&) noexcept = default;
RecordIndex::~RecordIndex() = default;

RecordIndex RecordIndex::build(const std::string &path, DataFormat format, JobContext *job, size_t chunkBytes)
{
    RecordIndex index;
    index.m_path = path;
    {
        // The reader detects the layout from the first records (and throws naming the file when it cannot).
        RecordReader reader(path, format);
        index.m_format = reader.format();
        index.m_jsonArray = reader.isJsonArray();
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
    index.m_file = std::make_shared<File>(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
    index.m_fileSize = static_cast<uint64_t>(st.st_size);
    index.m_file->mtimeNs = mtimeNs(st);

    chunkBytes = std::max<size_t>(chunkBytes, 1);
    std::vector<char> buffer(chunkBytes);  // a checkpoint and a progress report per chunk
    uint64_t bom = 0;
    {
        char head[3] = {};
        if (::pread(fd, head, 3, 0) == 3 && std::memcmp(head, "\xEF\xBB\xBF", 3) == 0) bom = 3;
    }
    const bool text = index.m_format == DataFormat::Text;
    LineScanner lines(text, bom, index.m_offsets, index.m_lines);
    ArrayScanner array(index.m_offsets, index.m_lines);
    uint64_t done = 0;
    while (done < index.m_fileSize) {
        if (job) job->checkpoint();
        const size_t want = static_cast<size_t>(std::min<uint64_t>(chunkBytes, index.m_fileSize - done));
        const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(done));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw Error("cannot read " + path + ": " + std::strerror(errno));
        }
        if (got == 0) break;  // the file shrank while we read it
        const size_t skip =
            done == 0 ? static_cast<size_t>(std::min<uint64_t>(bom, static_cast<uint64_t>(got))) : 0;
        if (index.m_jsonArray)
            array.feed(buffer.data() + skip, static_cast<size_t>(got) - skip, done + skip);
        else
            lines.feed(buffer.data() + skip, static_cast<size_t>(got) - skip, done + skip);
        done += static_cast<uint64_t>(got);
        if (job)
            job->setProgress(static_cast<double>(done) / static_cast<double>(index.m_fileSize),
                             std::to_string(index.m_lines.size()) + " records indexed");
        if (index.m_jsonArray && array.done()) break;
    }
    if (!index.m_jsonArray) lines.finish(done);
    index.m_fileSize = std::max(done, index.m_fileSize);
    index.m_offsets.push_back(done);
    index.m_offsets.shrink_to_fit();
    index.m_lines.shrink_to_fit();
    return index;
}

int64_t RecordIndex::entryAtLine(int64_t line) const
{
    const auto it = std::upper_bound(m_lines.begin(), m_lines.end(), line);
    return static_cast<int64_t>(it - m_lines.begin()) - 1;
}

std::string RecordIndex::readSpan(int64_t i, size_t maxBytes, std::string &error) const
{
    if (i < 0 || i >= size()) {
        error = "no record " + std::to_string(i);
        return std::string();
    }
    struct stat st {};
    if (::fstat(m_file->fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != m_fileSize ||
        mtimeNs(st) != m_file->mtimeNs) {
        error = m_path + " changed since it was opened: open it again";
        return std::string();
    }
    std::string out(static_cast<size_t>(std::min<uint64_t>(spanBytes(i), maxBytes)), '\0');
    size_t got = 0;
    while (got < out.size()) {
        const ssize_t n =
            ::pread(m_file->fd, out.data() + got, out.size() - got, static_cast<off_t>(offset(i) + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error =
                "cannot read " + m_path + ": " + (n < 0 ? std::strerror(errno) : "unexpected end of file");
            return std::string();
        }
        got += static_cast<size_t>(n);
    }
    return out;
}

bool RecordIndex::read(int64_t i, Record &out, std::string &error) const
{
    std::string readError;
    // One byte over the limit tells an overlong record from one that just fits.
    const std::string span = readSpan(i, RecordReader::kMaxRecordBytes + 2, readError);
    if (!readError.empty()) {
        error = readError;
        return false;
    }
    return parseRecord(span, m_format, m_path, line(i), out, error, m_jsonArray);
}

std::string RecordIndex::rawText(int64_t i, size_t maxBytes) const
{
    std::string error;
    std::string span = readSpan(i, maxBytes, error);
    if (!m_jsonArray && m_format != DataFormat::Text) span = span.substr(0, span.find('\n'));
    while (!span.empty() && (span.back() == '\n' || span.back() == '\r' || span.back() == ' '))
        span.pop_back();
    return span;
}

}  // namespace danka::core::data
