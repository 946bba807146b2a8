namespace Glimpse.Pipeline.Models;

/// <summary>
/// Where a worker's models come from: a mounted <see cref="Folder"/> (one subfolder per model id), or the
/// <see cref="Container"/> in blob storage (<c>{modelId}/config.json</c>, weights, tokenizer…), downloaded once into
/// <see cref="CacheFolder"/>. Folder wins when both are set.
/// </summary>
public sealed class ModelSourceOptions
{
    public string? Folder { get; set; }
    public string Container { get; set; } = Core.Contracts.BlobLayout.ModelsContainer;
    /// <summary>Where downloaded models are kept; survives restarts when it is on a persistent volume.</summary>
    public string CacheFolder { get; set; } = Path.Combine(Path.GetTempPath(), "glimpse-models");
    /// <summary>
    /// The model ids ingest accepts, for hosts that run no model (the Functions app). Empty: the ids are read from
    /// <see cref="Folder"/>, or else listed from <see cref="Container"/>.
    /// </summary>
    public IList<string> Ids { get; set; } = [];
}
