using System.Net;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>An image reference as Kaniko's <c>--destination</c> takes it: <c>host[:port]/repository[:tag]</c>.</summary>
/// <param name="Registry">The registry host and port, e.g. <c>127.0.0.1:5000</c>.</param>
/// <param name="Repository">The repository, e.g. <c>dev/mnist</c>.</param>
/// <param name="Tag">The tag (<c>latest</c> when none is given).</param>
internal sealed record ImageReference(string Registry, string Repository, string Tag)
{
    /// <summary>Parses a destination; a reference without a registry host means Docker Hub, as in Kaniko.</summary>
    /// <exception cref="FormatException">The text is not an image reference.</exception>
    public static ImageReference Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var rest = text;
        var atDigest = rest.IndexOf('@', StringComparison.Ordinal);
        if (atDigest >= 0)
        {
            rest = rest[..atDigest];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        string registry;
        if (slash > 0 && (rest[..slash].Contains('.', StringComparison.Ordinal) || rest[..slash].Contains(':', StringComparison.Ordinal) || rest[..slash] == "localhost"))
        {
            registry = rest[..slash];
            rest = rest[(slash + 1)..];
        }
        else
        {
            registry = "index.docker.io";
            if (!rest.Contains('/', StringComparison.Ordinal))
            {
                rest = "library/" + rest;
            }
        }

        var tag = "latest";
        var colon = rest.LastIndexOf(':');
        if (colon > 0)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        if (rest.Length == 0 || tag.Length == 0 || rest.Any(c => char.IsUpper(c) || char.IsWhiteSpace(c)))
        {
            throw new FormatException($"'{text}' is not a valid image reference");
        }

        return new ImageReference(registry, rest, tag);
    }

    /// <summary>Whether the registry is spoken to over plain HTTP: with <c>--insecure</c>, or for a loopback or
    /// private address, as go-containerregistry (Kaniko's registry client) decides.</summary>
    public bool UsesPlainHttp(bool insecure)
    {
        if (insecure)
        {
            return true;
        }

        var host = Registry.Contains(':', StringComparison.Ordinal) && !Registry.StartsWith('[')
            ? Registry[..Registry.LastIndexOf(':')]
            : Registry;
        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal) || host.EndsWith(".local", StringComparison.Ordinal))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && (IPAddress.IsLoopback(address) || IsPrivate(address));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Registry}/{Repository}:{Tag}";

    private static bool IsPrivate(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 && (bytes[0] == 10 || (bytes[0] == 172 && bytes[1] is >= 16 and <= 31) || (bytes[0] == 192 && bytes[1] == 168));
    }
}
