namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainRender" />
public sealed partial class KaptainRender : KaptainTask
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken cancellationToken)
    {
        // Wired to the core's model reader and manifest renderer once they land (Contract 1).
        return Task.CompletedTask;
    }
}
