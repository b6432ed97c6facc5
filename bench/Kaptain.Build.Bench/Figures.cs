namespace Kaptain.Build.Bench;

/// <summary>Every figure, numbered as in issues 4 and 11 (P1-P6).</summary>
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
    ];
}
