// Helpers of the safetensors tests: the format's dtype table as the spec states it, tensors of random bytes,
// files built byte by byte, error capture, and the interop Python.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QtTest>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "model/safetensors.h"
#include "tests/support/interop_skip.h"

namespace danka::test {

// The safetensors dtypes with the torch dtype safetensors.torch maps each to: the oracle for names.
struct SafetensorsDtype {
    const char *name;
    at::ScalarType type;
    const char *torchName;  // str(tensor.dtype) in Python
};

inline const std::vector<SafetensorsDtype> &safetensorsDtypes()
{
    static const std::vector<SafetensorsDtype> dtypes = {
        {"F64", at::kDouble, "torch.float64"},
        {"F32", at::kFloat, "torch.float32"},
        {"F16", at::kHalf, "torch.float16"},
        {"BF16", at::kBFloat16, "torch.bfloat16"},
        {"F8_E4M3", at::kFloat8_e4m3fn, "torch.float8_e4m3fn"},
        {"F8_E5M2", at::kFloat8_e5m2, "torch.float8_e5m2"},
        {"I64", at::kLong, "torch.int64"},
        {"I32", at::kInt, "torch.int32"},
        {"I16", at::kShort, "torch.int16"},
        {"I8", at::kChar, "torch.int8"},
        {"U64", at::kUInt64, "torch.uint64"},
        {"U32", at::kUInt32, "torch.uint32"},
        {"U16", at::kUInt16, "torch.uint16"},
        {"U8", at::kByte, "torch.uint8"},
        {"BOOL", at::kBool, "torch.bool"},
    };
    return dtypes;
}

// A contiguous CPU tensor whose bytes are random (NaN and infinity patterns included for floats); booleans
// get 0 or 1, the only values torch defines for them.
inline at::Tensor randomTensor(at::ScalarType type, at::IntArrayRef shape, uint64_t seed)
{
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(type));
    std::mt19937_64 rng(seed);
    auto *bytes = static_cast<unsigned char *>(tensor.data_ptr());
    for (size_t i = 0; i < tensor.nbytes(); ++i)
        bytes[i] = static_cast<unsigned char>(type == at::kBool ? rng() & 1 : rng());
    return tensor;
}

// The C-order bytes of a tensor's values.
inline QByteArray tensorBytes(const at::Tensor &tensor)
{
    const at::Tensor c = tensor.contiguous().cpu();
    return c.numel() == 0 ? QByteArray()
                          : QByteArray(static_cast<const char *>(c.data_ptr()), int(c.nbytes()));
}

inline QByteArray u64le(uint64_t n)
{
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = char((n >> (8 * i)) & 0xFF);
    return out;
}

// A safetensors file built by hand: the length prefix (the header's size unless `length` overrides it),
// the header as given, then `data`.
inline QByteArray rawSafetensors(const QByteArray &header, const QByteArray &data = {}, int64_t length = -1)
{
    return u64le(length >= 0 ? uint64_t(length) : uint64_t(header.size())) + header + data;
}

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The message of the SafetensorsError `body` throws, or "(no error)".
inline std::string errorOf(const std::function<void()> &body)
{
    try {
        body();
    } catch (const model::SafetensorsError &e) {
        return e.what();
    }
    return "(no error)";
}

// QVERIFY that `message` contains `fragment`, printing both otherwise.
#define DANKA_VERIFY_ERROR(message, fragment)                          \
    QVERIFY2(std::string(message).find(fragment) != std::string::npos, \
             qPrintable(QStringLiteral("expected \"%1\" in: %2")       \
                            .arg(QString::fromStdString(fragment), QString::fromStdString(message))))

// Runs `script` in the interop Python (DANKA_PYTHON) with `args` after importing `modules` (comma separated,
// e.g. "torch, safetensors"). Returns the script's stdout; sets `skip` when a module is missing, `error` when
// the script fails. One process, because importing torch alone takes seconds.
inline QByteArray runPython(const QString &modules, const QString &script, const QStringList &args,
                            QString *skip, QString *error)
{
    const QString guarded = QStringLiteral(
                                "import sys\ntry:\n    import %1\nexcept ImportError as e:\n"
                                "    print(e, file=sys.stderr)\n    sys.exit(77)\n")
                                .arg(modules) +
                            script;
    QProcess process;
    process.start(QStringLiteral(DANKA_PYTHON), QStringList{QStringLiteral("-c"), guarded} + args);
    const bool finished = process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit;
    const QString stderrText = QString::fromUtf8(process.readAllStandardError()).right(2000);
    if (finished && process.exitCode() == 77) {
        *skip = QStringLiteral("the interop Python " DANKA_PYTHON " cannot import %1: %2")
                    .arg(modules, stderrText);
    } else if (!finished || process.exitCode() != 0) {
        *error = QStringLiteral("python failed (exit %1): %2").arg(process.exitCode()).arg(stderrText);
    }
    return process.readAllStandardOutput();
}

// Runs the interop script in a test function: QSKIPs when a module is missing, fails when the script does.
#define DANKA_RUN_PYTHON(output, modules, script, args)                          \
    QByteArray output;                                                           \
    do {                                                                         \
        QString skip_, error_;                                                   \
        output = danka::test::runPython(modules, script, args, &skip_, &error_); \
        if (!skip_.isEmpty()) DANKA_INTEROP_SKIP(skip_);                          \
        QVERIFY2(error_.isEmpty(), qPrintable(error_));                          \
    } while (false)

}  // namespace danka::test
