using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;

namespace Kaptain.Build.Registry;

/// <summary>
/// The write side of the distribution API that the append builder needs: read a manifest and a blob, upload a blob
/// (monolithic: POST, then PUT with the digest), mount a blob from another repository of the same registry, put a
/// manifest. Authorization as for reads (basic with the docker config's credentials, or a bearer token), asked for
/// <c>pull,push</c> on the target and <c>pull</c> on a mount's source (distribution/distribution, docs/spec/api.md,
/// "Cross Repository Blob Mount"; dotnet/sdk src/Containers/Microsoft.NET.Build.Containers/Registry/DefaultBlobOperations.cs).
/// </summary>
public sealed partial class RegistryClient
{
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> writeAuthorizations = new(StringComparer.Ordinal);

    /// <summary>The manifest <paramref name="image"/> names (bytes and media type), or null when the registry does not have it.</summary>
    internal async Task<(byte[] Content, string MediaType)?> GetManifestAsync(ImageReference image, CancellationToken cancellationToken)
    {
        var (registry, apiHost, repository) = Locate(image);
        var url = new Uri($"{Scheme}://{apiHost}/v2/{repository}/manifests/{image.Digest ?? image.Tag ?? "latest"}");
        using var response = await SendWriteAsync(() => new HttpRequestMessage(HttpMethod.Get, url), registry, repository, "pull", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureSuccess(response, registry, $"GET {url.AbsolutePath}");
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "application/vnd.oci.image.manifest.v1+json";
        return (await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), mediaType);
    }

    /// <summary>The blob <paramref name="digest"/> of <paramref name="image"/>'s repository.</summary>
    internal async Task<byte[]> GetBlobAsync(ImageReference image, string digest, CancellationToken cancellationToken)
    {
        var (registry, apiHost, repository) = Locate(image);
        var url = new Uri($"{Scheme}://{apiHost}/v2/{repository}/blobs/{digest}");
        using var response = await SendWriteAsync(() => new HttpRequestMessage(HttpMethod.Get, url), registry, repository, "pull", null, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, registry, $"GET {url.AbsolutePath}");
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes blob <paramref name="digest"/> of <paramref name="from"/>'s repository present in <paramref name="target"/>'s:
    /// nothing when it is there, a cross-repository mount when both are in one registry, and a copy (download, upload)
    /// when the registry declines the mount (it then answers 202 with an upload session instead of 201).
    /// </summary>
    /// <returns>How the blob got there: <c>present</c>, <c>mounted</c> or <c>copied</c>.</returns>
    internal async Task<string> EnsureBlobAsync(ImageReference target, ImageReference from, string digest, CancellationToken cancellationToken)
    {
        var (registry, apiHost, repository) = Locate(target);
        var (fromRegistry, _, fromRepository) = Locate(from);
        if (await BlobExistsAsync(target, digest, cancellationToken).ConfigureAwait(false))
        {
            return "present";
        }

        if (fromRegistry == registry && fromRepository != repository)
        {
            var mountUrl = new Uri($"{Scheme}://{apiHost}/v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}");
            using var mount = await SendWriteAsync(() => new HttpRequestMessage(HttpMethod.Post, mountUrl) { Content = new ByteArrayContent([]) }, registry, repository, "pull,push", fromRepository, cancellationToken).ConfigureAwait(false);
            if (mount.StatusCode == HttpStatusCode.Created)
            {
                return "mounted";
            }

            EnsureSuccess(mount, registry, $"POST {mountUrl.AbsolutePath}");
            if (mount.StatusCode == HttpStatusCode.Accepted && mount.Headers.Location is { } session)
            {
                // Declined: the answer opened an ordinary upload; finish it with the blob's bytes.
                var content = await GetBlobAsync(from, digest, cancellationToken).ConfigureAwait(false);
                await PutUploadAsync(Absolute(session, apiHost), registry, repository, digest, content, cancellationToken).ConfigureAwait(false);
                return "copied";
            }
        }

        await PushBlobAsync(target, digest, await GetBlobAsync(from, digest, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return "copied";
    }

    /// <summary>Whether <paramref name="image"/>'s repository has blob <paramref name="digest"/>.</summary>
    internal async Task<bool> BlobExistsAsync(ImageReference image, string digest, CancellationToken cancellationToken)
    {
        var (registry, apiHost, repository) = Locate(image);
        var url = new Uri($"{Scheme}://{apiHost}/v2/{repository}/blobs/{digest}");
        using var response = await SendWriteAsync(() => new HttpRequestMessage(HttpMethod.Head, url), registry, repository, "pull,push", null, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Uploads a blob to <paramref name="image"/>'s repository unless it is there.</summary>
    internal async Task PushBlobAsync(ImageReference image, string digest, byte[] content, CancellationToken cancellationToken)
    {
        if (await BlobExistsAsync(image, digest, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var (registry, apiHost, repository) = Locate(image);
        var url = new Uri($"{Scheme}://{apiHost}/v2/{repository}/blobs/uploads/");
        using var start = await SendWriteAsync(() => new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent([]) }, registry, repository, "pull,push", null, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(start, registry, $"POST {url.AbsolutePath}");
        var location = start.Headers.Location ?? throw Unexpected(registry, start.StatusCode, $"POST {url.AbsolutePath} (no Location)");
        await PutUploadAsync(Absolute(location, apiHost), registry, repository, digest, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts a manifest under <paramref name="image"/>'s tag; returns the digest the registry reports (or the manifest's hash).</summary>
    internal async Task<string> PutManifestAsync(ImageReference image, byte[] manifest, string mediaType, CancellationToken cancellationToken)
    {
        var (registry, apiHost, repository) = Locate(image);
        var url = new Uri($"{Scheme}://{apiHost}/v2/{repository}/manifests/{image.Tag ?? "latest"}");
        using var response = await SendWriteAsync(
            () =>
            {
                var content = new ByteArrayContent(manifest);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
            },
            registry, repository, "pull,push", null, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, registry, $"PUT {url.AbsolutePath}");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) && digests.FirstOrDefault() is { Length: > 0 } digest
            ? digest
            : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifest));
    }

    private string Scheme => options.Insecure ? "http" : "https";

    private static Uri Absolute(Uri location, string apiHost) => location.IsAbsoluteUri ? location : new Uri(new Uri($"http://{apiHost}"), location);

    private async Task PutUploadAsync(Uri session, string registry, string repository, string digest, byte[] content, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(session);
        builder.Query = (string.IsNullOrEmpty(builder.Query) ? string.Empty : builder.Query.TrimStart('?') + "&") + "digest=" + Uri.EscapeDataString(digest);
        if (options.Insecure)
        {
            builder.Scheme = "http";
        }

        var url = builder.Uri;
        using var put = await SendWriteAsync(
            () =>
            {
                var body = new ByteArrayContent(content);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return new HttpRequestMessage(HttpMethod.Put, url) { Content = body };
            },
            registry, repository, "pull,push", null, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(put, registry, $"PUT {url.AbsolutePath}");
    }

    private void EnsureSuccess(HttpResponseMessage response, string registry, string request)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        throw response.StatusCode switch
        {
            HttpStatusCode.Forbidden => new KaptainException(KaptainDiagnostic.Error("KAPT3103", registry, registry, request, "the credentials of the docker config")),
            HttpStatusCode.Unauthorized => Unauthorized(registry, request, null),
            _ => Unexpected(registry, response.StatusCode, request),
        };
    }

    /// <summary>Sends a request, answering one challenge with a token for <paramref name="actions"/> on the repository (and pull on <paramref name="mountFrom"/>).</summary>
    private async Task<HttpResponseMessage> SendWriteAsync(
        Func<HttpRequestMessage> create, string registry, string repository, string actions, string? mountFrom, CancellationToken cancellationToken)
    {
        var scope = $"repository:{repository}:{actions}" + (mountFrom is null ? string.Empty : $" repository:{mountFrom}:pull");
        writeAuthorizations.TryGetValue(scope, out var authorization);
        var response = await SendOnceAsync(create, authorization, registry, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = RegistryChallenge.From(response.Headers);
        var credentials = options.Credentials is null ? null : await options.Credentials(registry, cancellationToken).ConfigureAwait(false);
        if (challenge?.IsBearer == true)
        {
            // The challenge's own scope names one action; the token must cover every one this request needs.
            var token = await GetTokenAsync(challenge.WithScope(scope), registry, repository, credentials, cancellationToken).ConfigureAwait(false);
            authorization = new AuthenticationHeaderValue("Bearer", token.Reveal());
        }
        else if (credentials is not null)
        {
            authorization = Basic(credentials);
        }
        else
        {
            response.Dispose();
            throw Unauthorized(registry, repository, credentials: null);
        }

        response.Dispose();
        writeAuthorizations[scope] = authorization;
        var second = await SendOnceAsync(create, authorization, registry, cancellationToken).ConfigureAwait(false);
        if (second.StatusCode == HttpStatusCode.Unauthorized)
        {
            second.Dispose();
            throw Unauthorized(registry, repository, credentials);
        }

        return second;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, AuthenticationHeaderValue? authorization, string registry, CancellationToken cancellationToken)
    {
        using var request = create();
        if (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head)
        {
            foreach (var mediaType in ManifestMediaTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            }
        }

        request.Headers.Authorization = authorization;
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3101", registry, request.RequestUri!.Authority, Describe(exception)), exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3101", registry, request.RequestUri!.Authority, $"no answer within {options.RequestTimeout.TotalSeconds:0} s"), exception);
        }
    }
}
