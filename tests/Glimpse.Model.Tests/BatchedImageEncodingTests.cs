using Glimpse.Model.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary><see cref="VisionLanguageModel.EncodeImages"/>: a batch gives each image's own features, as one at a time does.</summary>
public class BatchedImageEncodingTests
{
    [Fact]
    public void LlavaEncodesABatchInOnePassWithTheSameFeatures()
    {
        using var reference = ReferenceSet.Llava();
        using var model = ModelLoader.Load(reference.ModelDir);
        using var scope = NewDisposeScope();
        var pixels = reference["pixel_values"];
        ImageInput[] images = [new(pixels), new(pixels.flip(3).contiguous()), new(pixels * 0.5)];
        using var noGrad = torch.no_grad();
        var batch = model.EncodeImages(images);
        Assert.Equal([3, 16, model.Config.Text.HiddenSize], batch.shape);
        for (int b = 0; b < images.Length; b++)
            TensorAssert.AbsoluteClose(model.EncodeImage(images[b]), batch[b], 1e-5, $"image {b}");
        Assert.False(batch[0].allclose(batch[1]), "different images give different features");
        TensorAssert.RelativeClose(reference["image_features"], batch[0], 1e-4, "image_features");
        Assert.Throws<ArgumentException>(() => model.EncodeImages([new ImageInput(torch.zeros(2, 3, 32, 32))]));
    }

    [Fact]
    public void Qwen2VLEncodesEachImageOfABatch()
    {
        using var reference = ReferenceSet.Qwen2VL();
        using var model = ModelLoader.Load(reference.ModelDir);
        using var scope = NewDisposeScope();
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        var pixels = reference["pixel_values"];
        ImageInput[] images = [new(pixels, grid), new(pixels * -1, grid)];
        using var noGrad = torch.no_grad();
        var batch = model.EncodeImages(images);
        Assert.Equal(2, batch.shape[0]);
        for (int b = 0; b < images.Length; b++)
            TensorAssert.AbsoluteClose(model.EncodeImage(images[b]), batch[b], 1e-6, $"image {b}");
    }
}
