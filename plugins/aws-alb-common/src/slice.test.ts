import { mockEntityLoadBalancersResponse } from './mocks';
import { sliceForIngress } from './slice';
import { AlbLoadBalancer } from './types';

function groupAlb(): AlbLoadBalancer {
  const lb = mockEntityLoadBalancersResponse().loadBalancers[0];
  const tg = lb.targetGroups[0];
  return {
    ...lb,
    listeners: [
      {
        arn: 'listener',
        port: 80,
        defaultActions: [
          { type: 'forward', targetGroupArns: ['tg-cart', 'tg-shop'] },
        ],
      },
    ],
    targetGroups: [
      {
        ...tg,
        arn: 'tg-cart',
        controllerResource: 'cart/cart-cart:80',
      },
      {
        ...tg,
        arn: 'tg-shop',
        controllerResource: 'shop/shop-shop:80',
      },
      {
        ...tg,
        arn: 'tg-blog',
        controllerResource: 'blog/blog-blog:80',
      },
    ],
  };
}

describe('sliceForIngress', () => {
  it("keeps one Ingress's target groups and names the group's other Ingresses", () => {
    const [lb] = sliceForIngress([groupAlb()], 'shop/shop');
    expect(lb.targetGroups.map(tg => tg.arn)).toEqual(['tg-shop']);
    expect(lb.ingressGroup).toEqual({
      ingress: 'shop/shop',
      otherIngresses: ['blog/blog', 'cart/cart'],
    });
    expect(lb.listeners[0].defaultActions[0].targetGroupArns).toEqual([
      'tg-shop',
    ]);
  });

  it('leaves a load balancer without controller tags as it is', () => {
    const plain = mockEntityLoadBalancersResponse().loadBalancers;
    expect(sliceForIngress(plain, 'shop/shop')).toEqual(plain);
  });
});
