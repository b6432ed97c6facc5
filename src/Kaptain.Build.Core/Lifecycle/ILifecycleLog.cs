using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// Where a lifecycle step reports what it does. The MSBuild tasks map it to <c>Log.LogMessage</c> (high and low
/// importance), <c>LogWarning</c> and <c>LogError</c> with the code and help link; the Cake aliases to their log.
/// Calls may come from several threads but never overlap. No line ever carries a secret.
/// </summary>
public interface ILifecycleLog
{
    /// <summary>
    /// A progress line the user follows: "Uploading build context (12.3 MB) to s3://...", "Created TFJob ...". Streamed
    /// pod log lines come here too, prefixed with the pod name: <c>[mnist-train-ab12cd34ef-worker-0] epoch 1 ...</c>.
    /// </summary>
    void Info(string message);

    /// <summary>A detail line for verbose logs: requests, timings, resources removed by cleanup.</summary>
    void Detail(string message);

    /// <summary>A coded warning (<c>KAPT5xxx</c>, or a cleanup problem after the step itself succeeded).</summary>
    void Warning(KaptainDiagnostic diagnostic);

    /// <summary>
    /// A coded error. A step logs each error here before it throws a <see cref="KaptainException"/> carrying the same
    /// diagnostics, so a front end may rely on either (but should not report both).
    /// </summary>
    void Error(KaptainDiagnostic diagnostic);
}
