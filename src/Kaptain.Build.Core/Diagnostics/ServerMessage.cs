using System.Text;
using Kaptain.Build.Credentials;

namespace Kaptain.Build.Diagnostics;

/// <summary>
/// A message a server sent (the <c>message</c> of a Kubernetes <c>Status</c>, say) as a diagnostic quotes it: scrubbed of
/// the secret values this process knows (an admission webhook or a validation error may echo the object it rejected,
/// Secret data included), on one line, and short enough to read in a build log.
/// </summary>
internal static class ServerMessage
{
    /// <summary>The longest quote, in characters; the rest is cut with an ellipsis.</summary>
    public const int MaximumLength = 400;

    /// <summary>The quote of <paramref name="message"/>.</summary>
    public static string Quote(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "(no message)";
        }

        var scrubbed = KnownSecrets.Scrub(message);
        var text = new StringBuilder(Math.Min(scrubbed.Length, MaximumLength + 1));
        var space = false;
        foreach (var character in scrubbed)
        {
            if (char.IsWhiteSpace(character) || char.IsControl(character))
            {
                space = text.Length > 0;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            text.Append(character);
            if (text.Length > MaximumLength)
            {
                break;
            }
        }

        return text.Length > MaximumLength ? text.ToString(0, MaximumLength - 1) + "…" : text.ToString();
    }
}
