using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Storage;

/// <summary>An S3 endpoint as given in <c>KaptainS3Endpoint</c>: an http or https URL with an optional port.</summary>
public sealed record S3Endpoint
{
    private S3Endpoint(Uri url) => Url = url;

    /// <summary>The URL without path, for example <c>http://minio.kubeflow:9000</c>.</summary>
    public Uri Url { get; }

    /// <summary>Whether the endpoint uses https.</summary>
    public bool IsSecure => Url.Scheme == Uri.UriSchemeHttps;

    /// <summary>The host and port, as the S3 clients take it: <c>minio.kubeflow:9000</c>.</summary>
    public string HostAndPort => Url.IsDefaultPort ? Url.Host : $"{Url.Host}:{Url.Port}";

    /// <summary>Parses <paramref name="value"/>.</summary>
    /// <exception cref="KaptainException"><c>KAPT2014</c> when it is not an http or https URL.</exception>
    public static S3Endpoint Parse(string? value)
    {
        if (!Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.AbsolutePath.Trim('/').Length > 0
            || !string.IsNullOrEmpty(url.Query)
            || !string.IsNullOrEmpty(url.UserInfo))
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2014", "KaptainS3Endpoint", value ?? string.Empty));
        }

        return new S3Endpoint(new Uri(url.GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>The URL, without a trailing slash.</summary>
    public override string ToString() => Url.GetLeftPart(UriPartial.Authority);
}
