using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Model;

/// <summary>What <see cref="ModelDefinitionReader.Read"/> returns: the model when it is valid, and every diagnostic found.</summary>
/// <param name="Model">The parsed and validated model; <see langword="null"/> when any error was found.</param>
/// <param name="Diagnostics">Every error (and warning) found, all at once, in property order.</param>
public sealed record ModelReadResult(ModelDefinition? Model, IReadOnlyList<KaptainDiagnostic> Diagnostics)
{
    /// <summary>Whether the definition had no errors.</summary>
    public bool Succeeded => Model is not null;

    /// <summary>The model, or a <see cref="KaptainException"/> carrying every diagnostic when the definition is invalid.</summary>
    public ModelDefinition GetModelOrThrow() => Model ?? throw new KaptainException(Diagnostics);
}
