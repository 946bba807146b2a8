namespace Glimpse.Model.Tests;

public class ReferenceSetTests
{
    [Fact]
    public void SharedReferenceIsPresentAndReadable()
    {
        using var llava = ReferenceSet.Llava();
        Assert.Equal(new long[] { 1, 25 }, llava["input_ids"].shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, llava["image_uint8"].dtype);
        using var qwen = ReferenceSet.Qwen2VL();
        Assert.Equal(new long[] { 24, 1176 }, qwen["pixel_values"].shape);
    }
}
