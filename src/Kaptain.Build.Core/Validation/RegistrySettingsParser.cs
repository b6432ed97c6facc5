using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="RegistrySettings"/>: the registry host (or URL), plain HTTP, the docker config and the CA file.</summary>
internal sealed class RegistrySettingsParser(ModelParseContext context)
{
    internal RegistrySettings Parse()
    {
        var host = context.Value(P.Registry);
        bool? plainHttp = null;
        if (host is not null && host.Contains("://", StringComparison.Ordinal))
        {
            // A registry URL: its scheme says whether the registry is plain HTTP, unless KaptainRegistryInsecure says.
            if (Uri.TryCreate(host, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                && url.AbsolutePath == "/" && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0)
            {
                plainHttp = url.Scheme == Uri.UriSchemeHttp;
                host = url.IsDefaultPort ? url.Host : $"{url.Host}:{url.Port}";
            }
            else
            {
                context.Error(InvalidImageReference, P.Registry, P.Registry, host);
                host = null;
            }
        }

        if (host is not null && (!ImageReference.TryParse(host + "/x", out var probe) || probe.Domain != host))
        {
            context.Error(InvalidImageReference, P.Registry, P.Registry, host);
            host = null;
        }

        var caFile = context.Value(P.RegistryCaFile);
        string? caPath = null;
        if (caFile is not null)
        {
            caPath = context.FullPath(caFile);
            if (!File.Exists(caPath))
            {
                context.Error(FileNotFound, P.RegistryCaFile, P.RegistryCaFile, caPath);
            }
        }

        var dockerConfig = context.Value(P.DockerConfig);
        return new RegistrySettings(
            host ?? string.Empty,
            context.Value(P.RegistryInsecure, applyDefault: false) is null && plainHttp is { } http ? http : context.Boolean(P.RegistryInsecure),
            dockerConfig is null ? null : context.FullPath(dockerConfig),
            caPath);
    }
}
