using Glimpse.Model.Tests;
using Glimpse.Processing.Models;

namespace Glimpse.Pipeline.Tests;

/// <summary>
/// The tiny reference models (../shared/reference: llava_tiny, qwen2vl_tiny) as a worker's mounted model folder,
/// opened once for all pipeline tests and kept warm as a worker keeps them.
/// </summary>
public sealed class TinyModels : IDisposable
{
    public const string Llava = "llava_tiny";
    public const string Qwen2VL = "qwen2vl_tiny";

    public TinyModels()
    {
        Catalog = new FolderModelCatalog(ReferenceSet.Root);
        Engine = new CatalogExplainEngine(Catalog);
    }

    public FolderModelCatalog Catalog { get; }
    public CatalogExplainEngine Engine { get; }

    /// <summary>The image the LLaVA reference was made with.</summary>
    public static byte[] LlavaImage() => File.ReadAllBytes(Path.Combine(ReferenceSet.Root, "llava_input.png"));

    public void Dispose()
    {
        Engine.Dispose();
        Catalog.Dispose();
    }
}
