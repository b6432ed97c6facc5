using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Web;
using Kaptain.Testing;

namespace Kaptain.Build.Core.Tests.Credentials;

/// <summary>
/// The AWS endpoints that hand out temporary credentials, on 127.0.0.1, answering in their documented wire formats so
/// that the AWS SDK's own providers (not ours) talk to them: the container credentials endpoint (ECS, EKS Pod
/// Identity), EC2 instance metadata with IMDSv2 tokens, STS <c>AssumeRoleWithWebIdentity</c> (EKS IRSA, GitHub OIDC)
/// and the SSO portal's <c>GetRoleCredentials</c>. Each answer carries a distinct access key id, so a test sees which
/// provider the chain used; every request is recorded.
/// </summary>
/// <remarks>
/// Formats: the container endpoint and IMDS return <c>{AccessKeyId, SecretAccessKey, Token, Expiration}</c> (IMDS also
/// <c>Code: Success</c>); STS returns the <c>AssumeRoleWithWebIdentityResponse</c> XML; the SSO portal returns
/// <c>{roleCredentials: {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}}</c> — as in the AWS docs of each
/// API and the fixtures of aws/aws-sdk-net's credential provider tests.
/// </remarks>
internal sealed class AwsCredentialEndpoints : IDisposable
{
    public const string Secret = "wJalrXUtnFEMI-temporary-do-not-print";
    public const string ContainerKey = "ASIACONTAINER";
    public const string InstanceKey = "ASIAINSTANCE";
    public const string WebIdentityKey = "ASIAWEBIDENTITY";
    public const string SsoKey = "ASIASSO";
    public const string InstanceRole = "kaptain-node-role";
    public const string ImdsToken = "imds-session-token";

    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public AwsCredentialEndpoints()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Prefixes.Clear();
            }
        }

        loop = Task.Run(ServeAsync);
    }

    public string Url { get; } = string.Empty;

    /// <summary>"METHOD path?query" of every request, with the headers the providers must send.</summary>
    public ConcurrentQueue<(string Request, string? Authorization, string? ImdsToken, string? SsoToken, string Body)> Requests { get; } = new();

    public static string Expiration => DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = reader.ReadToEnd();
        var path = request.Url!.AbsolutePath;
        Requests.Enqueue(($"{request.HttpMethod} {request.Url.PathAndQuery}", request.Headers["Authorization"], request.Headers["X-aws-ec2-metadata-token"], request.Headers["x-amz-sso_bearer_token"], body));
        var (status, type, text) = (request.HttpMethod, path) switch
        {
            ("GET", "/container/credentials") => (200, "application/json", Json(new { AccessKeyId = ContainerKey, SecretAccessKey = Secret, Token = "container-session-token", Expiration })),
            ("PUT", "/latest/api/token") => (200, "text/plain", ImdsToken),
            ("GET", "/latest/meta-data/iam/security-credentials/") or ("GET", "/latest/meta-data/iam/security-credentials") => Imds(request, InstanceRole),
            ("GET", "/latest/meta-data/iam/security-credentials/" + InstanceRole) => Imds(request, Json(new { Code = "Success", LastUpdated = Expiration, Type = "AWS-HMAC", AccessKeyId = InstanceKey, SecretAccessKey = Secret, Token = "instance-session-token", Expiration })),
            ("GET", "/latest/meta-data/iam/info") => Imds(request, Json(new { Code = "Success", LastUpdated = Expiration, InstanceProfileArn = "arn:aws:iam::123456789012:instance-profile/" + InstanceRole, InstanceProfileId = "AIPAEXAMPLE" })),
            ("POST", "/") when HttpUtility.ParseQueryString(body)["Action"] == "AssumeRoleWithWebIdentity" => (200, "text/xml", WebIdentityResponse()),
            ("GET", "/federation/credentials") => (200, "application/json", Json(new { roleCredentials = new { accessKeyId = SsoKey, secretAccessKey = Secret, sessionToken = "sso-session-token", expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() } })),
            _ => (404, "text/plain", "not found"),
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    // IMDSv2: every metadata read carries the session token from the PUT; without it the real service answers 401.
    private static (int, string, string) Imds(HttpListenerRequest request, string answer) =>
        request.Headers["X-aws-ec2-metadata-token"] == ImdsToken ? (200, "text/plain", answer) : (401, "text/plain", "Unauthorized");

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string WebIdentityResponse() => $"""
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <SubjectFromWebIdentityToken>system:serviceaccount:ml:trainer</SubjectFromWebIdentityToken>
            <Audience>sts.amazonaws.com</Audience>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/kaptain-build/kaptain-build</Arn>
              <AssumedRoleId>AROAEXAMPLE:kaptain-build</AssumedRoleId>
            </AssumedRoleUser>
            <Credentials>
              <SessionToken>web-identity-session-token</SessionToken>
              <SecretAccessKey>{Secret}</SecretAccessKey>
              <Expiration>{Expiration}</Expiration>
              <AccessKeyId>{WebIdentityKey}</AccessKeyId>
            </Credentials>
            <Provider>oidc.eks.us-east-1.amazonaws.com</Provider>
          </AssumeRoleWithWebIdentityResult>
          <ResponseMetadata>
            <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
          </ResponseMetadata>
        </AssumeRoleWithWebIdentityResponse>
        """;
}
