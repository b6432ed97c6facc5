namespace Kaptain.Build.Bench;

/// <summary>Every figure, numbered as in issues 4 and 11 (P1-P6; 7 is P4 on the real control plane).</summary>
internal static class Figures
{
    public static IReadOnlyList<IFigure> All { get; } =
    [
        new UpToDateBuildImageFigure(),
        new ContextUploadFigure(),
        new TerminalStatusFigure(),
        new InterruptFigure(),
        new TuneFigure(),
        new AppendFigure(),
        new InterruptRealFigure(),
    ];
}
