namespace Kaptain.Build.Bench;

/// <summary>Every figure, in issue 4's order.</summary>
internal static class Figures
{
    public static IReadOnlyList<IFigure> All { get; } =
    [
        new UpToDateBuildImageFigure(),
        new ContextUploadFigure(),
        new TerminalStatusFigure(),
        new InterruptFigure(),
    ];
}
