using System.Collections.Concurrent;
using System.Text;

namespace Kaptain.Build.Credentials;

/// <summary>
/// Every secret value this process has handled (each <see cref="SecretValue"/> registers itself), in the forms it
/// travels in: as is and base64-encoded (a Secret's <c>data</c>, a docker config's <c>auth</c>). Text that came from
/// elsewhere — a server's error message that quotes the request it rejected — is scrubbed of them before it is shown.
/// </summary>
internal static class KnownSecrets
{
    // Shorter values would scrub ordinary words out of messages; no real credential is this short.
    private const int MinimumLength = 6;

    private static readonly ConcurrentDictionary<string, byte> Values = new(StringComparer.Ordinal);

    /// <summary>Remembers <paramref name="value"/> (and its base64 form) as a secret.</summary>
    public static void Add(string value)
    {
        if (value.Length < MinimumLength)
        {
            return;
        }

        Values.TryAdd(value, 0);
        Values.TryAdd(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), 0);
    }

    /// <summary><paramref name="text"/> with every known secret replaced by <c>***</c>, longest first (a value that
    /// contains another goes whole).</summary>
    public static string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var value in Values.Keys.OrderByDescending(v => v.Length))
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
