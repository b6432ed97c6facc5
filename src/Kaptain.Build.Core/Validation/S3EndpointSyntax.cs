namespace Kaptain.Build.Validation;

/// <summary>What an S3 endpoint may look like: <c>http(s)://host[:port]</c>, with no path, query, fragment or user info.</summary>
public static class S3EndpointSyntax
{
    /// <summary>Parses <paramref name="text"/>; false when it is not an absolute http(s) URL of a host and optional port.</summary>
    public static bool TryParse(string text, out Uri endpoint)
    {
        endpoint = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host)
            || !string.IsNullOrEmpty(uri.UserInfo)
            || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0)
            || !string.IsNullOrEmpty(uri.Query)
            || !string.IsNullOrEmpty(uri.Fragment)
            || text.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        endpoint = uri;
        return true;
    }

    /// <summary>Whether <paramref name="bucket"/> is a valid S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', alphanumeric at both ends.</summary>
    public static bool IsBucketName(string bucket) =>
        bucket.Length is >= 3 and <= 63
        && KubernetesNames.IsDns1123Subdomain(bucket)
        && !bucket.Contains("..", StringComparison.Ordinal);
}
