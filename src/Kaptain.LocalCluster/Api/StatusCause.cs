namespace Kaptain.LocalCluster.Api;

/// <summary>One cause in a <c>Status</c>'s <c>details.causes</c> (for example a field that failed validation).</summary>
/// <param name="Reason">The machine-readable reason, for example <c>FieldValueRequired</c> or <c>FieldValueInvalid</c>.</param>
/// <param name="Message">The human-readable message.</param>
/// <param name="Field">The field path, for example <c>spec.pytorchReplicaSpecs.Master.replicas</c>.</param>
public sealed record StatusCause(string Reason, string Message, string? Field);
