using Glimpse.Core.Methods;
using Glimpse.Model;

namespace Glimpse.Processing.Models;

/// <summary>The models a worker can run, by the ids manifests name them with; each loaded once and kept warm.</summary>
public interface IModelCatalog
{
    IReadOnlyCollection<string> ModelIds { get; }

    /// <summary>The open float32 runtime for the id (loaded on first use); an <see cref="ArgumentException"/> for an id not in <see cref="ModelIds"/>.</summary>
    Task<VisionLanguageRuntime> GetAsync(string modelId, CancellationToken cancellationToken) =>
        GetAsync(modelId, ModelPrecision.Float32, cancellationToken);

    /// <summary>The open runtime for the id in <paramref name="precision"/> (loaded on first use; each precision is a
    /// model of its own); an <see cref="ArgumentException"/> for an id not in <see cref="ModelIds"/>.</summary>
    Task<VisionLanguageRuntime> GetAsync(string modelId, ModelPrecision precision, CancellationToken cancellationToken);
}
