using TorchSharp;

namespace Glimpse.Model.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.T);
        Assert.Equal(50f, b[1, 1].item<float>());
    }
}
