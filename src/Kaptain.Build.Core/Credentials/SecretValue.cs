using System.Diagnostics;

namespace Kaptain.Build.Credentials;

/// <summary>
/// A secret (a password, a secret key, a token). <see cref="ToString"/> never shows it, so it cannot end up in a log
/// line or an exception message by accident; code that needs the value calls <see cref="Reveal"/>, which stands out
/// in review.
/// </summary>
[DebuggerDisplay("***")]
public sealed class SecretValue : IEquatable<SecretValue>
{
    private readonly string value;

    /// <summary>Wraps <paramref name="value"/>.</summary>
    public SecretValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.value = value;
        KnownSecrets.Add(value);
    }

    /// <summary>The secret itself: only for the request or the Secret that needs it, never for a message.</summary>
    public string Reveal() => value;

    /// <summary>Always <c>***</c>.</summary>
    public override string ToString() => "***";

    /// <inheritdoc />
    public bool Equals(SecretValue? other) => other is not null && string.Equals(value, other.value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SecretValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(value);
}
