using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public unsafe class RowOpsTests
{
    [Fact]
    public void CopyAndAddTo_EveryLength0To40_MatchScalarLoopsAndTouchNothingElse()
    {
        var random = new Random(81);
        for (int count = 0; count <= 40; count++)
        {
            float[] src = TestData.Uniform(random, count + 2), dst = TestData.Uniform(random, count + 2);
            float[] copied = (float[])dst.Clone(), added = (float[])dst.Clone();
            float[] expectedCopy = (float[])dst.Clone(), expectedAdd = (float[])dst.Clone();
            for (int k = 0; k < count; k++)
            {
                expectedCopy[k + 1] = src[k + 1];
                expectedAdd[k + 1] = dst[k + 1] + src[k + 1];
            }

            // Offset by one float so the vectors are unaligned; the guard floats on either side must stay as they were.
            fixed (float* s = src, c = copied, a = added)
            {
                RowOps.Copy(s + 1, c + 1, count);
                RowOps.AddTo(s + 1, a + 1, count);
            }

            Assert.Equal(expectedCopy, copied);
            Assert.Equal(expectedAdd, added);
        }
    }
}
