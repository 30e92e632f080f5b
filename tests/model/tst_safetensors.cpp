// Safetensors files: bit-exact round trips, the byte layout against a hand-written expectation, every
// malformed file refused with a message naming the problem, and interop with Python's `safetensors` package.
#include <torch/cuda.h>

#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include "model/safetensors.h"
#include "tests/model/safetensors_test_util.h"
#include "tests/support/interop_skip.h"

using namespace danka::model;
using namespace danka::test;

namespace {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// A one-tensor header entry: "name": {"dtype": ..., "shape": ..., "data_offsets": ...}.
QByteArray entry(const char *name, const char *dtype, const char *shape, const char *offsets)
{
    return QByteArray("\"") + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":" + offsets + "}";
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string path(const char *name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // --- Round trips --------------------------------------------------------------------------------------

    void roundTripIsBitExactForEveryDtype_data()
    {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < safetensorsDtypes().size(); ++i)
            QTest::newRow(safetensorsDtypes()[i].name) << int(i);
    }
    void roundTripIsBitExactForEveryDtype()
    {
        QFETCH(int, index);
        const SafetensorsDtype &dtype = safetensorsDtypes()[size_t(index)];
        // Two tensors, so that the second one starts at an offset; random bytes cover NaN payloads, negative
        // zeros and subnormals, which a value comparison would miss.
        const at::Tensor first = randomTensor(dtype.type, {3, 5, 7}, 1);
        const at::Tensor second = randomTensor(dtype.type, {11}, 2);
        const std::string file = path("dtype.safetensors");
        writeSafetensors(file, {{"first", first}, {"second", second}});

        const SafetensorsHeader header = readSafetensorsHeader(file);
        QCOMPARE(header.tensors.size(), size_t(2));
        QCOMPARE(qs(header.tensors[0].dtypeName), QString::fromUtf8(dtype.name));
        QCOMPARE(header.tensors[1].begin, uint64_t(first.nbytes()));

        const SafetensorsFile read = readSafetensors(file);
        QCOMPARE(read.tensors.size(), size_t(2));
        QCOMPARE(read.tensors[0].first, std::string("first"));
        QCOMPARE(read.tensors[1].first, std::string("second"));
        for (const auto &[name, original] : NamedTensors{{"first", first}, {"second", second}}) {
            const at::Tensor *tensor = read.find(name);
            QVERIFY(tensor);
            QCOMPARE(tensor->scalar_type(), dtype.type);
            QCOMPARE(tensor->sizes().vec(), original.sizes().vec());
            QCOMPARE(tensorBytes(*tensor), tensorBytes(original));
        }
    }

    void nonContiguousInputsAreWrittenInCOrder()
    {
        const at::Tensor base = at::arange(24, at::kLong).reshape({4, 6});  // base[i][j] = 6 i + j
        const at::Tensor floats = at::arange(24, at::kFloat).reshape({4, 6});
        const std::string file = path("strided.safetensors");
        writeSafetensors(file,
                         {{"transposed", base.t()},
                          {"every_other_column", base.slice(1, 0, 6, 2)},
                          {"row_2", base[2]},  // contiguous, but at a storage offset
                          {"expanded", at::arange(3, at::kLong).expand({4, 3})},  // stride 0
                          {"negated_view", at::_neg_view(floats)},                // lazy negation bit
                          {"permuted", at::arange(24, at::kInt).reshape({2, 3, 4}).permute({2, 0, 1})}});
        const SafetensorsFile read = readSafetensors(file);
        // Expected values worked out from the index arithmetic, not from torch's own copy.
        const auto transposed = read.find("transposed")->accessor<int64_t, 2>();
        const auto columns = read.find("every_other_column")->accessor<int64_t, 2>();
        const auto row = read.find("row_2")->accessor<int64_t, 1>();
        const auto expanded = read.find("expanded")->accessor<int64_t, 2>();
        const auto negated = read.find("negated_view")->accessor<float, 2>();
        const auto permuted = read.find("permuted")->accessor<int32_t, 3>();
        QCOMPARE(read.find("transposed")->sizes().vec(), (std::vector<int64_t>{6, 4}));
        QCOMPARE(read.find("every_other_column")->sizes().vec(), (std::vector<int64_t>{4, 3}));
        QCOMPARE(read.find("permuted")->sizes().vec(), (std::vector<int64_t>{4, 2, 3}));
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 6; ++j) {
                QCOMPARE(transposed[j][i], int64_t(6 * i + j));
                QCOMPARE(negated[i][j], -float(6 * i + j));
            }
            for (int j = 0; j < 3; ++j) {
                QCOMPARE(columns[i][j], int64_t(6 * i + 2 * j));
                QCOMPARE(expanded[i][j], int64_t(j));
            }
        }
        for (int j = 0; j < 6; ++j)
            QCOMPARE(row[j], int64_t(12 + j));
        for (int a = 0; a < 2; ++a)  // source [a][b][c] = 12 a + 4 b + c lands at [c][a][b]
            for (int b = 0; b < 3; ++b)
                for (int c = 0; c < 4; ++c)
                    QCOMPARE(permuted[c][a][b], int32_t(12 * a + 4 * b + c));
    }

    void gpuTensorsAreWritten()
    {
        if (!torch::cuda::is_available()) QSKIP("no CUDA device");
        const at::Tensor host = randomTensor(at::kBFloat16, {64, 33}, 8);
        const at::Tensor device = host.to(at::kCUDA).t();  // on the GPU and strided
        const std::string file = path("gpu.safetensors");
        writeSafetensors(file, {{"w", device}});
        const at::Tensor read = *readSafetensors(file).find("w");
        QVERIFY(read.is_cpu());
        QCOMPARE(tensorBytes(read), tensorBytes(host.t()));
    }

    void scalarsAndEmptyTensors()
    {
        const std::string file = path("edge.safetensors");
        writeSafetensors(file, {{"scalar", at::scalar_tensor(3.5, at::kDouble)},
                                {"empty", at::empty({0}, at::kFloat)},
                                {"empty_3d", at::empty({2, 0, 3}, at::kHalf)},
                                {"after", at::full({1}, 7, at::kInt)}});
        // The header as the spec says it must be: a 0-d scalar has shape [] and 8 bytes, empty tensors take
        // no bytes, and the next tensor starts where the scalar ended.
        const QByteArray bytes = readFile(qs(file));
        const QJsonObject json =
            QJsonDocument::fromJson(bytes.mid(8, int(qFromLittleEndian<quint64>(bytes.data())))).object();
        QCOMPARE(json[QStringLiteral("scalar")][QStringLiteral("shape")].toArray(), QJsonArray());
        QCOMPARE(json[QStringLiteral("scalar")][QStringLiteral("data_offsets")].toArray(),
                 (QJsonArray{0, 8}));
        QCOMPARE(json[QStringLiteral("empty")][QStringLiteral("data_offsets")].toArray(), (QJsonArray{8, 8}));
        QCOMPARE(json[QStringLiteral("empty_3d")][QStringLiteral("shape")].toArray(), (QJsonArray{2, 0, 3}));
        QCOMPARE(json[QStringLiteral("empty_3d")][QStringLiteral("data_offsets")].toArray(),
                 (QJsonArray{8, 8}));
        QCOMPARE(json[QStringLiteral("after")][QStringLiteral("data_offsets")].toArray(),
                 (QJsonArray{8, 12}));

        const SafetensorsFile read = readSafetensors(file);
        QCOMPARE(read.find("scalar")->dim(), int64_t(0));
        QCOMPARE(read.find("scalar")->item<double>(), 3.5);
        QCOMPARE(read.find("empty")->sizes().vec(), (std::vector<int64_t>{0}));
        QCOMPARE(read.find("empty_3d")->sizes().vec(), (std::vector<int64_t>{2, 0, 3}));
        QCOMPARE(read.find("empty_3d")->scalar_type(), at::kHalf);
        QCOMPARE(read.find("after")->item<int>(), 7);
        // Order is the order written, empty tensors at a shared offset included.
        QCOMPARE(read.tensors[1].first, std::string("empty"));
        QCOMPARE(read.tensors[2].first, std::string("empty_3d"));

        // Only empty tensors: a data buffer of 0 bytes. No tensors at all: only metadata.
        writeSafetensors(file, {{"nothing", at::empty({0, 4}, at::kFloat)}});
        QCOMPARE(readSafetensorsHeader(file).dataBytes, uint64_t(0));
        QCOMPARE(readSafetensors(file).find("nothing")->numel(), int64_t(0));
        writeSafetensors(file, {}, {{"note", "no tensors"}});
        const SafetensorsFile none = readSafetensors(file);
        QVERIFY(none.tensors.empty());
        QCOMPARE(none.metadata.at("note"), std::string("no tensors"));
    }

    void largeTensorRoundTrip()
    {
        const at::Tensor big = randomTensor(at::kFloat, {1024, 4096}, 3);  // 16 MiB
        const at::Tensor small = randomTensor(at::kBFloat16, {7}, 4);
        const std::string file = path("large.safetensors");
        writeSafetensors(file, {{"small", small}, {"big", big}});
        const SafetensorsFile read = readSafetensors(file);
        QCOMPARE(tensorBytes(*read.find("big")), tensorBytes(big));
        QCOMPARE(tensorBytes(*read.find("small")), tensorBytes(small));
    }

    void metadataRoundTrip()
    {
        const std::map<std::string, std::string> metadata = {
            {"config", R"({"hidden_size": 512, "name": "tiny"})"},
            {"unicode", "单卡 ✓"},
            {"quoted", "say \"hi\"\n\ttab"},
            {"empty", ""},
        };
        const std::string file = path("meta.safetensors");
        writeSafetensors(file, {{"x", at::ones({2})}}, metadata);
        std::map<std::string, std::string> expected = metadata;
        expected["format"] = "pt";  // added for transformers
        QCOMPARE(readSafetensors(file).metadata, expected);
        QCOMPARE(readSafetensorsHeader(file).metadata, expected);
        // A caller's "pt" is kept; anything else would make transformers misread the checkpoint.
        writeSafetensors(file, {}, {{"format", "pt"}});
        QCOMPARE(readSafetensors(file).metadata.at("format"), std::string("pt"));
        DANKA_VERIFY_ERROR(errorOf([&] {
                               writeSafetensors(file, {}, {{"format", "tf"}});
                           }),
                           std::string("metadata \"format\" must be \"pt\""));
    }

    // --- The bytes on disk
    // ------------------------------------------------------------------------------------

    void headerLayoutIsByteExact()
    {
        const std::string file = path("layout.safetensors");
        const at::Tensor a = at::tensor({1.0f, 2.0f});
        const at::Tensor b = at::tensor({int16_t(1), int16_t(-2), int16_t(300)});
        writeSafetensors(file, {{"a", a}, {"b", b}});
        const QByteArray bytes = readFile(qs(file));

        const quint64 n = qFromLittleEndian<quint64>(bytes.data());
        QCOMPARE(n % 8, quint64(0));
        QCOMPARE(quint64(bytes.size()), 8 + n + 14);  // 2 floats + 3 int16
        const QByteArray header = bytes.mid(8, int(n));
        const QByteArray json = header.trimmed();
        QVERIFY(header.startsWith(json));  // the JSON first, then only spaces
        QCOMPARE(header.mid(json.size()), QByteArray(header.size() - json.size(), ' '));
        QVERIFY(header.size() - json.size() < 8);
        // Metadata first, then the tensors in the order given.
        QVERIFY(json.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"));
        QVERIFY(json.indexOf("\"a\"") < json.indexOf("\"b\""));

        const QJsonObject parsed = QJsonDocument::fromJson(json).object();
        QCOMPARE(parsed.size(), 3);
        const QJsonObject entryA = parsed[QStringLiteral("a")].toObject();
        const QJsonObject entryB = parsed[QStringLiteral("b")].toObject();
        QCOMPARE(entryA[QStringLiteral("dtype")].toString(), QStringLiteral("F32"));
        QCOMPARE(entryA[QStringLiteral("shape")].toArray(), QJsonArray{2});
        QCOMPARE(entryA[QStringLiteral("data_offsets")].toArray(), (QJsonArray{0, 8}));
        QCOMPARE(entryB[QStringLiteral("dtype")].toString(), QStringLiteral("I16"));
        QCOMPARE(entryB[QStringLiteral("shape")].toArray(), QJsonArray{3});
        QCOMPARE(entryB[QStringLiteral("data_offsets")].toArray(), (QJsonArray{8, 14}));
        // IEEE 754 1.0f and 2.0f, then 1, -2, 300 as int16, all little endian.
        QCOMPARE(bytes.mid(int(8 + n)), QByteArray::fromHex("0000803f"
                                                            "00000040"
                                                            "0100"
                                                            "feff"
                                                            "2c01"));
    }

    void writesAreAtomic()
    {
        QTemporaryDir dir;
        const std::string file = dir.filePath(QStringLiteral("model.safetensors")).toStdString();
        writeSafetensors(file, {{"v", at::full({2}, 1.0)}});
        const QByteArray first = readFile(qs(file));
        writeSafetensors(file, {{"v", at::full({3}, 2.0)}});  // replaces the file
        QCOMPARE(readSafetensors(file).find("v")->sizes().vec(), std::vector<int64_t>{3});
        const QByteArray second = readFile(qs(file));
        const QStringList only{QStringLiteral("model.safetensors")};
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), only);

        // Refused writes leave the previous file as it was and no temporary file.
        const at::Tensor ok = at::zeros({2});
        const struct {
            NamedTensors tensors;
            std::map<std::string, std::string> metadata;
            std::string fragment;
        } refusals[] = {
            {{{"w", ok}, {"w", ok}}, {}, "tensor \"w\": the name appears twice"},
            {{{"__metadata__", ok}}, {}, "tensor \"__metadata__\": the name is reserved"},
            {{{"c", at::zeros({2}, at::kComplexFloat)}},
             {},
             "tensor \"c\": dtype ComplexFloat has no safetensors"},
            {{{"u", at::Tensor()}}, {}, "tensor \"u\": undefined tensor"},
            {{{"s", ok.to_sparse()}}, {}, "tensor \"s\": only dense tensors"},
            {{{"m", at::zeros({2}, at::TensorOptions().device(at::kMeta))}},
             {},
             "tensor \"m\": a meta tensor has no data"},
            {{{"bad\xff", ok}}, {}, "tensor name \"bad\xff\" is not valid UTF-8 (byte 3)"},
            {{{"x", ok}}, {{"k", "\xc0\xaf"}}, "the value of metadata key \"k\" is not valid UTF-8"},
        };
        for (const auto &refusal : refusals) {
            const std::string message =
                errorOf([&] { writeSafetensors(file, refusal.tensors, refusal.metadata); });
            DANKA_VERIFY_ERROR(message, file + ": " + refusal.fragment);
            QCOMPARE(readFile(qs(file)), second);
            QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                     only);
        }
        QVERIFY(first != second);

        const std::string nowhere = dir.filePath(QStringLiteral("missing/model.safetensors")).toStdString();
        DANKA_VERIFY_ERROR(errorOf([&] {
                               writeSafetensors(nowhere, {{"v", ok}});
                           }),
                           nowhere + ": cannot create a file next to it");
    }

    // --- Reading ------------------------------------------------------------------------------------------

    void tensorsOutliveTheFileAndStayPrivate()
    {
        const std::string file = path("views.safetensors");
        writeSafetensors(file, {{"w", at::arange(8, at::kFloat)}});
        at::Tensor view;
        {
            SafetensorsFile read = readSafetensors(file);
            view = read.tensors[0].second;
        }  // the struct is gone; the tensor's deleter keeps the mapping
        QCOMPARE(view[5].item<float>(), 5.0f);
        view.fill_(-1.0f);  // copy-on-write: the file keeps its values
        QCOMPARE(readSafetensors(file).find("w")->sum().item<float>(), 28.0f);
        // Replacing the file (rename) leaves this mapping on the old content.
        at::Tensor old = readSafetensors(file).tensors[0].second;
        writeSafetensors(file, {{"w", at::zeros({8})}});
        QCOMPARE(old.sum().item<float>(), 28.0f);
        QCOMPARE(readSafetensors(file).find("w")->sum().item<float>(), 0.0f);
    }

    void misalignedDataIsReadCorrectly()
    {
        // A header of 8k+1 bytes puts the data buffer at an odd address: the reader copies such tensors.
        QByteArray header =
            "{" + entry("x", "F32", "[2]", "[0,8]") + "," + entry("y", "I64", "[1]", "[8,16]") + "}";
        while (header.size() % 8 != 1)
            header += ' ';
        const QByteArray data = QByteArray::fromHex(
            "0000c03f"
            "000000c0"
            "ffffffffffffff7f");  // 1.5, -2, int64 max
        const std::string file = path("misaligned.safetensors");
        QVERIFY(writeFile(qs(file), rawSafetensors(header, data)));
        const SafetensorsFile read = readSafetensors(file);
        const at::Tensor &x = *read.find("x");
        QCOMPARE(x[0].item<float>(), 1.5f);
        QCOMPARE(x[1].item<float>(), -2.0f);
        QCOMPARE(read.find("y")->item<int64_t>(), std::numeric_limits<int64_t>::max());
        QCOMPARE(reinterpret_cast<uintptr_t>(x.data_ptr()) % 4, uintptr_t(0));
        QCOMPARE(reinterpret_cast<uintptr_t>(read.find("y")->data_ptr()) % 8, uintptr_t(0));

        // The writer keeps the caller's order, so a float after 3 bytes starts at an odd offset.
        const at::Tensor floats = randomTensor(at::kDouble, {5}, 9);
        writeSafetensors(file, {{"bytes", at::full({3}, 7, at::kByte)}, {"doubles", floats}});
        QCOMPARE(readSafetensorsHeader(file).tensors[1].begin, uint64_t(3));
        const SafetensorsFile again = readSafetensors(file);
        QCOMPARE(tensorBytes(*again.find("doubles")), tensorBytes(floats));
        QCOMPARE(reinterpret_cast<uintptr_t>(again.find("doubles")->data_ptr()) % 8, uintptr_t(0));
    }

    void headerOnlyReadsNoData()
    {
        // A 4 GiB tensor in a sparse file: the header is read at once, and mapping the file reads nothing
        // either (pages come in when touched), so both calls finish in milliseconds.
        const uint64_t bytes = uint64_t(1) << 32;
        QByteArray header = "{\"__metadata__\":{\"k\":\"v\"}," +
                            entry("huge", "F32", "[1024,1048576]", "[0,4294967296]") + "}";
        while (header.size() % 8 != 0)
            header += ' ';  // aligned data, else the reader would copy 4 GiB
        const std::string file = path("sparse.safetensors");
        QFile f(qs(file));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(rawSafetensors(header));
        QVERIFY(f.resize(qint64(8 + header.size() + bytes)));
        f.close();

        const SafetensorsHeader info = readSafetensorsHeader(file);
        QCOMPARE(info.headerBytes, uint64_t(header.size()));
        QCOMPARE(info.dataBytes, bytes);
        QCOMPARE(info.metadata.at("k"), std::string("v"));
        QCOMPARE(info.tensors.size(), size_t(1));
        QCOMPARE(qs(info.tensors[0].name), QStringLiteral("huge"));
        QCOMPARE(info.tensors[0].dtype, at::kFloat);
        QCOMPARE(info.tensors[0].shape, (std::vector<int64_t>{1024, 1048576}));
        QCOMPARE(info.tensors[0].numel(), int64_t(1) << 30);
        QCOMPARE(info.tensors[0].byteSize(), bytes);
        QVERIFY(info.find("huge") && !info.find("tiny"));

        const SafetensorsFile read = readSafetensors(file);
        QCOMPARE(read.find("huge")->numel(), int64_t(1) << 30);
        QCOMPARE(read.find("huge")->index({1023, 1048575}).item<float>(), 0.0f);
    }

    void malformedFilesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("fragment");
        const QByteArray f32x2 = entry("a", "F32", "[2]", "[0,8]");
        const QByteArray eight(8, '\1');
        const auto tensorHeader = [](const QByteArray &body) { return "{" + body + "}"; };
        const auto row = [](const char *name, const QByteArray &bytes, const char *fragment) {
            QTest::newRow(name) << bytes << QString::fromUtf8(fragment);
        };

        row("empty file", {}, "the file is 0 bytes, shorter than the 8-byte header length");
        row("5 bytes", QByteArray("\1\2\3\4\5"), "the file is 5 bytes, shorter than the 8-byte");
        row("length beyond the file", rawSafetensors("{}", {}, 1000),
            "header length 1000 exceeds the file size (10 bytes");
        row("length over 100 MB", rawSafetensors("{}", {}, 200000000),
            "header length 200000000 is larger than the 100000000-byte limit");
        row("length 2^64 - 1", QByteArray(8, '\xff') + "{}",
            "header length 18446744073709551615 is larger than");
        row("invalid UTF-8", rawSafetensors("{\"a\xff\":1}"),
            "the header is not valid UTF-8 (byte 11 of the file)");
        row("overlong UTF-8", rawSafetensors("{\"\xc0\xaf\":1}"), "the header is not valid UTF-8 (byte 10");
        row("UTF-8 surrogate", rawSafetensors("{\"\xed\xa0\x80\":1}"),
            "the header is not valid UTF-8 (byte 10");
        row("not JSON", rawSafetensors("{\"a\": "), "the header is not valid JSON: parse error");
        row("JSON then garbage", rawSafetensors("{} x"), "the header is not valid JSON");
        row("not an object", rawSafetensors("[1, 2]"), "the header is not a JSON object");
        row("entry not an object", rawSafetensors("{\"a\":3}"), "tensor \"a\": the entry must be an object");
        row("missing dtype", rawSafetensors("{\"a\":{\"shape\":[],\"data_offsets\":[0,0]}}"),
            "tensor \"a\": missing \"dtype\"");
        row("missing data_offsets", rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}"),
            "tensor \"a\": missing \"data_offsets\"");
        row("dtype not a string",
            rawSafetensors(tensorHeader(entry("a", "F32", "[]", "[0,4]").replace("\"F32\"", "5")),
                           QByteArray(4, 0)),
            "tensor \"a\": \"dtype\" must be a string, got 5");
        row("unknown dtype",
            rawSafetensors(tensorHeader(entry("a", "F128", "[1]", "[0,16]")), QByteArray(16, 0)),
            "tensor \"a\": unknown dtype \"F128\"");
        row("shape not a list",
            rawSafetensors(tensorHeader(entry("a", "F32", "3", "[0,12]")), QByteArray(12, 0)),
            "tensor \"a\": \"shape\" must be a list of non-negative integers, got 3");
        row("negative dimension", rawSafetensors(tensorHeader(entry("a", "F32", "[-1]", "[0,0]"))),
            "tensor \"a\": \"shape\" must be a list of non-negative integers, got [-1]");
        row("fractional dimension", rawSafetensors(tensorHeader(entry("a", "F32", "[2.5]", "[0,8]")), eight),
            "tensor \"a\": \"shape\" must be a list of non-negative integers, got [2.5]");
        row("boolean dimension",
            rawSafetensors(tensorHeader(entry("a", "F32", "[true]", "[0,4]")), QByteArray(4, 0)),
            "tensor \"a\": \"shape\" must be a list of non-negative integers, got [true]");
        row("dimension beyond int64",
            rawSafetensors(tensorHeader(entry("a", "U8", "[0,18446744073709551615]", "[0,0]"))),
            "tensor \"a\": dimension 18446744073709551615 in \"shape\" is too large");
        row("element count overflows",
            rawSafetensors(tensorHeader(entry("a", "F32", "[4294967296,4294967296]", "[0,0]"))),
            "tensor \"a\": shape [4294967296, 4294967296] of F32 overflows");
        row("byte count overflows",
            rawSafetensors(tensorHeader(entry("a", "F64", "[2305843009213693952]", "[0,0]"))),
            "tensor \"a\": shape [2305843009213693952] of F64 overflows: its size in bytes does not fit");
        row("data_offsets not a list", rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "8")), eight),
            "tensor \"a\": \"data_offsets\" must be two non-negative integers [begin, end], got 8");
        row("one offset", rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[8]")), eight),
            "tensor \"a\": \"data_offsets\" must be two non-negative integers [begin, end], got [8]");
        row("three offsets", rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[0,4,8]")), eight),
            "tensor \"a\": \"data_offsets\" must be two non-negative integers [begin, end], got [0,4,8]");
        row("offset is a string", rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[0,\"8\"]")), eight),
            "tensor \"a\": \"data_offsets\" must be two non-negative integers [begin, end], got [0,\"8\"]");
        row("negative offset", rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[-8,0]")), eight),
            "tensor \"a\": \"data_offsets\" must be two non-negative integers [begin, end], got [-8,0]");
        row("begin after end", rawSafetensors(tensorHeader(entry("a", "F32", "[0]", "[8,0]")), eight),
            "tensor \"a\": data_offsets [8, 0) end before they begin");
        row("end beyond the buffer",
            rawSafetensors(tensorHeader(entry("lm_head.weight", "F32", "[250]", "[0,1000]")),
                           QByteArray(800, 0)),
            "tensor \"lm_head.weight\": data_offsets [0, 1000) exceed the data buffer of 800 bytes");
        row("size mismatch",
            rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[0,12]")), QByteArray(12, 0)),
            "tensor \"a\": data_offsets [0, 12) hold 12 bytes, but F32 [2] needs 8");
        row("overlap",
            rawSafetensors(tensorHeader(f32x2 + "," + entry("b", "F32", "[2]", "[4,12]")), QByteArray(12, 0)),
            "tensor \"b\": data_offsets [4, 12) overlap tensor \"a\" [0, 8)");
        row("same range twice",
            rawSafetensors(tensorHeader(f32x2 + "," + entry("b", "I32", "[2]", "[0,8]")), eight),
            "tensor \"b\": data_offsets [0, 8) overlap tensor \"a\" [0, 8)");
        row("empty tensor inside another",
            rawSafetensors(tensorHeader(f32x2 + "," + entry("e", "F32", "[0]", "[4,4]")), eight),
            "tensor \"e\": data_offsets [4, 4) overlap tensor \"a\" [0, 8)");
        row("gap",
            rawSafetensors(tensorHeader(f32x2 + "," + entry("b", "F32", "[2]", "[12,20]")),
                           QByteArray(20, 0)),
            "tensor \"b\": data_offsets [12, 20) leave a gap of 4 bytes after tensor \"a\" (ends at 8)");
        row("gap at the start",
            rawSafetensors(tensorHeader(entry("a", "F32", "[2]", "[4,12]")), QByteArray(12, 0)),
            "tensor \"a\": data_offsets [4, 12) leave a gap of 4 bytes after the start of the data buffer");
        row("bytes after the last tensor", rawSafetensors(tensorHeader(f32x2), QByteArray(12, 0)),
            "the data buffer holds 12 bytes but the tensors cover 8: 4 bytes after the last tensor");
        row("data but no tensors", rawSafetensors("{}", eight),
            "the data buffer holds 8 bytes but the tensors cover 0");
        row("metadata not an object", rawSafetensors("{\"__metadata__\":[1]}"),
            "\"__metadata__\" must be an object of strings, got [1]");
        row("metadata value not a string", rawSafetensors("{\"__metadata__\":{\"k\":1}}"),
            "\"__metadata__\" must be an object of strings, but \"k\" is 1");
        row("duplicate tensor",
            rawSafetensors(tensorHeader(f32x2 + "," + entry("a", "F32", "[2]", "[8,16]")), QByteArray(16, 0)),
            "the header lists \"a\" twice");
        row("duplicate field",
            rawSafetensors(
                "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                QByteArray(4, 0)),
            "the header: the entry \"a\" has the key \"dtype\" twice");
        row("duplicate metadata key", rawSafetensors("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
            "the header: the entry \"__metadata__\" has the key \"k\" twice");
    }
    void malformedFilesAreRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, fragment);
        const std::string file = path("broken.safetensors");
        QVERIFY(writeFile(qs(file), bytes));
        // Both readers validate the same way, and every message starts with the file's path.
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensorsHeader(file); }),
                           file + ": " + fragment.toStdString());
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensors(file); }), file + ": " + fragment.toStdString());
    }

    void validEdgeCasesAreAccepted()
    {
        // What the reference implementation accepts must read too: no padding, null metadata, unknown
        // fields in a tensor entry, tensors listed out of data order.
        const std::string file = path("accepted.safetensors");
        const QByteArray header = "{\"__metadata__\":null," + entry("b", "U8", "[2]", "[4,6]") + "," +
                                  entry("a", "I16", "[2]", "[0,4]").replace("}", ",\"extra\":[1]}") + "}";
        QVERIFY(writeFile(qs(file), rawSafetensors(header, QByteArray::fromHex("0100ffff"
                                                                               "0203"))));
        const SafetensorsFile read = readSafetensors(file);
        QVERIFY(read.metadata.empty());
        QCOMPARE(read.tensors[0].first, std::string("a"));            // data order
        QCOMPARE(read.find("a")->sum().item<int64_t>(), int64_t(0));  // 1 + (-1)
        QCOMPARE(read.find("b")->sum().item<int64_t>(), int64_t(5));
    }

    void damagedFilesNeverCrash()
    {
        // A thousand randomly damaged copies of a valid file (digits changed in the header, bytes flipped,
        // truncated, extended): each one reads or throws SafetensorsError, and a file that reads has every
        // byte of every tensor inside the file (reading them all would crash otherwise).
        const std::string valid = path("valid.safetensors");
        writeSafetensors(valid,
                         {{"a", randomTensor(at::kFloat, {3, 4}, 5)},
                          {"b", randomTensor(at::kByte, {5}, 6)},
                          {"c", at::empty({0, 2}, at::kHalf)},
                          {"d", randomTensor(at::kLong, {2}, 7)}},
                         {{"k", "v"}});
        const QByteArray original = readFile(qs(valid));
        const int headerEnd = 8 + int(qFromLittleEndian<quint64>(original.data()));
        const std::string file = path("damaged.safetensors");
        std::mt19937 rng(42);
        int accepted = 0;
        for (int round = 0; round < 1000; ++round) {
            QByteArray bytes = original;
            switch (rng() % 4) {
                case 0: {  // another digit somewhere in the header: offsets, shapes and the length change
                    const int at = 8 + int(rng() % uint32_t(headerEnd - 8));
                    if (bytes[at] >= '0' && bytes[at] <= '9') bytes[at] = char('0' + rng() % 10);
                    break;
                }
                case 1:
                    bytes[int(rng() % uint32_t(bytes.size()))] = char(rng());
                    break;
                case 2:
                    bytes.truncate(int(rng() % uint32_t(bytes.size())));
                    break;
                default:
                    bytes.append(QByteArray(int(rng() % 16), char(rng())));
                    break;
            }
            QVERIFY(writeFile(qs(file), bytes));
            try {
                const SafetensorsFile read = readSafetensors(file);
                qint64 total = 0;
                for (const auto &[name, tensor] : read.tensors)
                    total += tensorBytes(tensor).size();
                QCOMPARE(quint64(total), readSafetensorsHeader(file).dataBytes);
                ++accepted;
            } catch (const SafetensorsError &) {
            }
        }
        QVERIFY(accepted > 0);  // some damage is harmless (a value byte, a digit changed to itself)
    }

    void unreadableFilesAreRefused()
    {
        const std::string missing = path("missing.safetensors");
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensors(missing); }),
                           missing + ": cannot open: No such file");
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensorsHeader(missing); }), missing + ": cannot open");
        const std::string folder = m_dir.path().toStdString();
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensors(folder); }), folder + ": not a regular file");
    }

    // --- Interop with Python's safetensors
    // ------------------------------------------------------------------

    void pythonReadsDankaFiles()
    {
        NamedTensors tensors;
        for (size_t i = 0; i < safetensorsDtypes().size(); ++i) {
            const SafetensorsDtype &dtype = safetensorsDtypes()[i];
            tensors.emplace_back(std::string("t.") + dtype.name,
                                 randomTensor(dtype.type, {2, 3, int64_t(i + 1)}, 10 + i));
        }
        tensors.emplace_back("scalar", at::scalar_tensor(-0.25, at::kFloat));
        tensors.emplace_back("empty", at::empty({3, 0}, at::kBFloat16));
        tensors.emplace_back("transposed", at::arange(6, at::kFloat).reshape({2, 3}).t());
        const std::string file = path("for_python.safetensors");
        writeSafetensors(file, tensors, {{"source", "danka"}});

        const QString script = QStringLiteral(R"(
import json, sys, torch
from safetensors import safe_open
from safetensors.torch import load_file
out = {"tensors": {}}
with safe_open(sys.argv[1], framework="pt") as f:
    out["metadata"] = f.metadata()
    for name in f.keys():
        t = f.get_tensor(name)
        out["tensors"][name] = {"dtype": str(t.dtype), "shape": list(t.shape),
                                "hex": t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes().hex()}
out["load_file"] = sorted(load_file(sys.argv[1]).keys())
print(json.dumps(out))
)");
        DANKA_RUN_PYTHON(output, QStringLiteral("torch, safetensors"), script, QStringList{qs(file)});
        const QJsonObject result = QJsonDocument::fromJson(output).object();
        QCOMPARE(result[QStringLiteral("metadata")].toObject(),
                 (QJsonObject{{QStringLiteral("source"), QStringLiteral("danka")},
                              {QStringLiteral("format"), QStringLiteral("pt")}}));
        const QJsonObject read = result[QStringLiteral("tensors")].toObject();
        QCOMPARE(read.size(), int(tensors.size()));
        QCOMPARE(result[QStringLiteral("load_file")].toArray().size(), int(tensors.size()));
        for (const auto &[name, tensor] : tensors) {
            const QJsonObject t = read[qs(name)].toObject();
            QVERIFY2(!t.isEmpty(), name.c_str());
            const auto dtype =
                std::find_if(safetensorsDtypes().begin(), safetensorsDtypes().end(),
                             [&](const SafetensorsDtype &d) { return d.type == tensor.scalar_type(); });
            QCOMPARE(t[QStringLiteral("dtype")].toString(), QString::fromUtf8(dtype->torchName));
            QJsonArray shape;
            for (const int64_t size : tensor.sizes())
                shape.append(qint64(size));
            QCOMPARE(t[QStringLiteral("shape")].toArray(), shape);
            QCOMPARE(t[QStringLiteral("hex")].toString().toLatin1(), tensorBytes(tensor).toHex());
        }
    }

    void dankaReadsPythonFiles()
    {
        // Python makes random tensors of every dtype, saves them with safetensors.torch.save_file, and prints
        // their bytes: the oracle is Python's view of the values.
        const QString script = QStringLiteral(R"(
import json, sys, torch
from safetensors.torch import save_file
g = torch.Generator().manual_seed(7)
names = ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "int64", "int32",
         "int16", "int8", "uint64", "uint32", "uint16", "uint8", "bool"]
tensors = {}
for i, name in enumerate(names):
    dtype = getattr(torch, name)
    shape = (i + 1, 3)
    if dtype == torch.bool:
        tensors[name] = torch.randint(0, 2, shape, generator=g).bool()
    else:
        size = torch.empty((), dtype=dtype).element_size()
        raw = torch.randint(0, 256, (shape[0] * shape[1] * size,), dtype=torch.uint8, generator=g)
        tensors[name] = raw.view(dtype).reshape(shape)
tensors["scalar"] = torch.tensor(2.5, dtype=torch.float16)
tensors["empty"] = torch.zeros((0, 3), dtype=torch.int32)
save_file(tensors, sys.argv[1], metadata={"source": "python"})
print(json.dumps({k: {"dtype": str(t.dtype), "shape": list(t.shape),
                      "hex": t.reshape(-1).view(torch.uint8).numpy().tobytes().hex()}
                  for k, t in tensors.items()}))
)");
        const std::string file = path("from_python.safetensors");
        DANKA_RUN_PYTHON(output, QStringLiteral("torch, safetensors"), script, QStringList{qs(file)});
        const QJsonObject expected = QJsonDocument::fromJson(output).object();
        QCOMPARE(expected.size(), 17);

        const SafetensorsFile read = readSafetensors(file);
        QCOMPARE(read.metadata.at("source"), std::string("python"));
        QCOMPARE(read.tensors.size(), size_t(expected.size()));
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const at::Tensor *tensor = read.find(it.key().toStdString());
            QVERIFY2(tensor, qPrintable(it.key()));
            const QJsonObject t = it.value().toObject();
            const auto dtype =
                std::find_if(safetensorsDtypes().begin(), safetensorsDtypes().end(),
                             [&](const SafetensorsDtype &d) { return d.type == tensor->scalar_type(); });
            QCOMPARE(QString::fromUtf8(dtype->torchName), t[QStringLiteral("dtype")].toString());
            QJsonArray shape;
            for (const int64_t size : tensor->sizes())
                shape.append(qint64(size));
            QCOMPARE(shape, t[QStringLiteral("shape")].toArray());
            QCOMPARE(tensorBytes(*tensor).toHex(), t[QStringLiteral("hex")].toString().toLatin1());
        }
        QCOMPARE(read.find("scalar")->item<float>(), 2.5f);
    }
};

DANKA_INTEROP_TEST_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
