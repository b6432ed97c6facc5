using System.Net.Http.Headers;

namespace Kaptain.Build.Registry;

/// <summary>A <c>WWW-Authenticate</c> challenge of a registry: <c>Basic realm="..."</c> or <c>Bearer realm="...",service="...",scope="..."</c>.</summary>
internal sealed record RegistryChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);

    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>The same challenge asking for <paramref name="scope"/> (a push needs <c>pull,push</c>, where a HEAD's challenge names <c>pull</c>).</summary>
    public RegistryChallenge WithScope(string scope) =>
        this with { Parameters = new Dictionary<string, string>(Parameters, StringComparer.OrdinalIgnoreCase) { ["scope"] = scope } };

    public static RegistryChallenge? From(HttpResponseHeaders headers)
    {
        var header = headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            ?? headers.WwwAuthenticate.FirstOrDefault();
        return header is null ? null : new RegistryChallenge(header.Scheme, ParseParameters(header.Parameter));
    }

    /// <summary>Parses <c>key="value",key2="value, with comma"</c>.</summary>
    internal static Dictionary<string, string> ParseParameters(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (text is not null && i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var key = text[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                end = end < 0 ? text.Length : end;
                value = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }
}
