using Glimpse.Model;
using Glimpse.Pipeline.Models;

namespace Glimpse.Processing.Models;

/// <summary>The models a worker can run, by the ids manifests name them with; each loaded once and kept warm.</summary>
public interface IModelCatalog
{
    IReadOnlyCollection<string> ModelIds { get; }

    /// <summary>The open runtime for the id (loaded on first use); an <see cref="ArgumentException"/> for an id not in <see cref="ModelIds"/>.</summary>
    Task<VisionLanguageRuntime> GetAsync(string modelId, CancellationToken cancellationToken);
}
