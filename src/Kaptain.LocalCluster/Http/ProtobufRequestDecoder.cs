using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;

namespace Kaptain.LocalCluster.Http;

/// <summary>
/// Decodes the protobuf request bodies that client-go's typed clients send by default since Kubernetes 1.31 (kubectl
/// <c>create namespace|configmap|secret|serviceaccount</c>) into JSON, for the kinds whose messages are small: Namespace,
/// ConfigMap, Secret and ServiceAccount (field numbers from k8s.io/api and k8s.io/apimachinery <c>generated.proto</c>).
/// Other kinds get 415, which is what a server without protobuf answers.
/// </summary>
internal static class ProtobufRequestDecoder
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    private enum Kind { String, Bytes, Bool, Int, Message, MapString, MapBytes, RepeatedString, RepeatedMessage }

    private sealed record Field(string Name, Kind Kind, Dictionary<int, Field>? Message = null);

    private static readonly Dictionary<int, Field> OwnerReference = new()
    {
        [1] = new("kind", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String),
        [5] = new("apiVersion", Kind.String), [6] = new("controller", Kind.Bool), [7] = new("blockOwnerDeletion", Kind.Bool),
    };

    private static readonly Dictionary<int, Field> ObjectMeta = new()
    {
        [1] = new("name", Kind.String), [2] = new("generateName", Kind.String), [3] = new("namespace", Kind.String),
        [5] = new("uid", Kind.String), [6] = new("resourceVersion", Kind.String), [7] = new("generation", Kind.Int),
        [11] = new("labels", Kind.MapString), [12] = new("annotations", Kind.MapString),
        [13] = new("ownerReferences", Kind.RepeatedMessage, OwnerReference), [14] = new("finalizers", Kind.RepeatedString),
    };

    private static readonly Dictionary<int, Field> LocalObjectReference = new() { [1] = new("name", Kind.String) };

    private static readonly Dictionary<string, Dictionary<int, Field>> Kinds = new()
    {
        ["Namespace"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta),
            [2] = new("spec", Kind.Message, new() { [1] = new("finalizers", Kind.RepeatedString) }),
        },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta), [2] = new("data", Kind.MapString),
            [3] = new("binaryData", Kind.MapBytes), [4] = new("immutable", Kind.Bool),
        },
        ["Secret"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta), [2] = new("data", Kind.MapBytes), [3] = new("type", Kind.String),
            [4] = new("stringData", Kind.MapString), [5] = new("immutable", Kind.Bool),
        },
        ["ServiceAccount"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta),
            [3] = new("imagePullSecrets", Kind.RepeatedMessage, LocalObjectReference),
            [4] = new("automountServiceAccountToken", Kind.Bool),
        },
    };

    public static bool IsProtobuf(string? contentType) => contentType?.Contains("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase) == true;

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic)) throw Unsupported("the body does not start with the protobuf envelope");
        string? apiVersion = null, kind = null;
        byte[]? raw = null;
        var reader = new Reader(body, 4, body.Length);
        while (reader.More)
        {
            var (number, wire) = reader.Tag();
            if (number == 1 && wire == 2)
            {
                var typeMeta = reader.Sub();
                while (typeMeta.More)
                {
                    var (n, w) = typeMeta.Tag();
                    if (n == 1 && w == 2) apiVersion = typeMeta.String();
                    else if (n == 2 && w == 2) kind = typeMeta.String();
                    else typeMeta.Skip(w);
                }
            }
            else if (number == 2 && wire == 2) raw = reader.Bytes();
            else reader.Skip(wire);
        }
        if (kind is null || raw is null || !Kinds.TryGetValue(kind, out var schema))
            throw Unsupported($"protobuf bodies are accepted for Namespace, ConfigMap, Secret and ServiceAccount only (got {kind ?? "nothing"}); send JSON");
        var obj = DecodeMessage(new Reader(raw, 0, raw.Length), schema);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject DecodeMessage(Reader reader, Dictionary<int, Field> schema)
    {
        var obj = new JsonObject();
        while (reader.More)
        {
            var (number, wire) = reader.Tag();
            if (!schema.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }
            switch (field.Kind)
            {
                // Go omits zero values from JSON (omitempty); so does the decoded object.
                case Kind.String: SetUnlessEmpty(obj, field.Name, reader.String()); break;
                case Kind.Bytes: obj[field.Name] = Convert.ToBase64String(reader.Bytes()); break;
                case Kind.Bool: if (reader.Varint() != 0) obj[field.Name] = true; break;
                case Kind.Int: if (reader.Varint() is var integer and not 0) obj[field.Name] = (long)integer; break;
                case Kind.Message: obj[field.Name] = DecodeMessage(reader.Sub(), field.Message!); break;
                case Kind.RepeatedString: Array(obj, field.Name).Add(reader.String()); break;
                case Kind.RepeatedMessage: Array(obj, field.Name).Add(DecodeMessage(reader.Sub(), field.Message!)); break;
                case Kind.MapString or Kind.MapBytes:
                    var entry = reader.Sub();
                    string key = "";
                    JsonNode? value = "";
                    while (entry.More)
                    {
                        var (n, w) = entry.Tag();
                        if (n == 1 && w == 2) key = entry.String();
                        else if (n == 2 && w == 2) value = field.Kind == Kind.MapString ? entry.String() : Convert.ToBase64String(entry.Bytes());
                        else entry.Skip(w);
                    }
                    var map = obj[field.Name] as JsonObject ?? (JsonObject)(obj[field.Name] = new JsonObject());
                    map[key] = value;
                    break;
            }
        }
        return obj;
    }

    private static void SetUnlessEmpty(JsonObject obj, string name, string value)
    {
        if (value.Length > 0) obj[name] = value;
    }

    private static JsonArray Array(JsonObject obj, string name) => obj[name] as JsonArray ?? (JsonArray)(obj[name] = new JsonArray());

    private static ApiException Unsupported(string why) => new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({why})");

    private sealed class Reader(byte[] buffer, int position, int end)
    {
        private int _position = position;

        public bool More => _position < end;

        public (int Number, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= end) throw Unsupported("truncated protobuf");
                var b = buffer[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw Unsupported("malformed protobuf varint");
        }

        public byte[] Bytes()
        {
            var length = checked((int)Varint());
            if (_position + length > end) throw Unsupported("truncated protobuf");
            var bytes = buffer.AsSpan(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        public Reader Sub()
        {
            var length = checked((int)Varint());
            if (_position + length > end) throw Unsupported("truncated protobuf");
            var sub = new Reader(buffer, _position, _position + length);
            _position += length;
            return sub;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2:
                    var length = checked((int)Varint()); // read before adding: `_position += Varint()` would lose the varint's own bytes
                    _position += length;
                    break;
                case 5: _position += 4; break;
                default: throw Unsupported(string.Create(CultureInfo.InvariantCulture, $"unsupported protobuf wire type {wire}"));
            }
        }
    }
}
