using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using Glimpse.Processing.Models;
using static TorchSharp.torch;

namespace Glimpse.Pipeline.Tests.Models;

/// <summary>
/// Loading a bfloat16 model switches TorchSharp's process-wide default dtype while the modules are built; these tests
/// run alone so that no other test makes tensors meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BFloat16CatalogLoads
{
    public const string Name = "bfloat16 catalog loads";
}

/// <summary>The worker keeps one warm model per model id and precision.</summary>
[Collection(BFloat16CatalogLoads.Name)]
public sealed class FolderModelCatalogPrecisionTests
{
    [Fact]
    public async Task Each_precision_is_a_warm_model_of_its_own()
    {
        using var catalog = new FolderModelCatalog(ReferenceSet.Root);
        var float32 = await catalog.GetAsync(TinyModels.Llava, CancellationToken.None);
        var mixed = await catalog.GetAsync(TinyModels.Llava, ModelPrecision.BFloat16Mixed, CancellationToken.None);

        Assert.Equal(ScalarType.Float32, float32.Model.DType);
        Assert.Equal(ScalarType.BFloat16, mixed.Model.DType);
        Assert.Same(float32, await catalog.GetAsync(TinyModels.Llava, ModelPrecision.Float32, CancellationToken.None));
        Assert.Same(mixed, await catalog.GetAsync(TinyModels.Llava, ModelPrecision.BFloat16Mixed, CancellationToken.None));
    }
}
