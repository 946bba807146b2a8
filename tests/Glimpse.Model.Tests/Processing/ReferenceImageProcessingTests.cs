using Glimpse.Core.Images;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Tests.Processing;

/// <summary>The image path of both reference models, end to end, against Hugging Face's stored outputs.</summary>
public class ReferenceImageProcessingTests
{
    private static byte[] Bytes(torch.Tensor imageUint8) => imageUint8.contiguous().data<byte>().ToArray();

    [Theory]
    [InlineData("llava")]
    [InlineData("qwen2vl")]
    public void DecodedReferencePngEqualsImageUint8(string name)
    {
        using var r = name == "llava" ? ReferenceSet.Llava() : ReferenceSet.Qwen2VL();
        var image = RgbImage.Load(r.ImagePath);
        var expected = r["image_uint8"];
        Assert.Equal(expected.shape, new long[] { image.Height, image.Width, 3 });
        Assert.Equal(Bytes(expected), image.Pixels);
    }

    [Fact]
    public void LlavaPixelValuesMatchReference()
    {
        using var r = ReferenceSet.Llava();
        int patchSize = r.Json["config_full"]!["vision_config"]!["patch_size"]!.GetValue<int>();
        Assert.Equal(8, patchSize);
        var processor = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize);
        Assert.IsType<ClipImageProcessor>(processor);

        using var processed = processor.Process(RgbImage.Load(r.ImagePath));
        TensorAssert.AbsoluteClose(r["pixel_values"], processed.PixelValues, 1e-5, "llava pixel_values");
        Assert.Equal(torch.ScalarType.Float32, processed.PixelValues.dtype);
        Assert.Null(processed.ImageGridThw);
        Assert.Equal((4, 4), (processed.Layout.Grids[0].Rows, processed.Layout.Grids[0].Columns));
        Assert.Equal(r.Json["image_seq_length"]!.GetValue<int>(), processed.ImageTokenCount);
    }

    [Fact]
    public void Qwen2VLPixelValuesMatchReference()
    {
        using var r = ReferenceSet.Qwen2VL();
        var processor = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize: 14);
        Assert.IsType<Qwen2VLImageProcessor>(processor);

        using var processed = processor.Process(RgbImage.Load(r.ImagePath));
        TensorAssert.AbsoluteClose(r["pixel_values"], processed.PixelValues, 1e-5, "qwen2vl pixel_values");
        Assert.Equal(r["image_grid_thw"].data<long>().ToArray(), processed.ImageGridThw);
        Assert.Equal(new long[] { 1, 4, 6 }, processed.ImageGridThw);
        var merged = r.Ids("merged_grid_hw");
        Assert.Equal((merged[0], merged[1]), ((long)processed.Layout.Grids[0].Rows, (long)processed.Layout.Grids[0].Columns));
        Assert.Equal((2, 3), (processed.Layout.Grids[0].Rows, processed.Layout.Grids[0].Columns));
        Assert.Equal(r.Json["n_image_tokens"]!.GetValue<int>(), processed.ImageTokenCount);
    }
}
